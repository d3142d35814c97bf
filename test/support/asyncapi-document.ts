import Ajv, { ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** docs/asyncapi.yaml, read as data: its channels, messages and JSON Schemas, for tests that check it against the code. */
export const ASYNCAPI_PATH = join(__dirname, '..', '..', 'docs', 'asyncapi.yaml');

type Json = any;

const SCHEMA_PREFIX = '#/components/schemas/';
const BASE = 'https://commission-engine.invalid/asyncapi/schemas/';

export interface DocumentMessage {
  /** the key under components.messages */
  id: string;
  /** the message's `name`: the CloudEvents type (or `dead-letter`) */
  name: string;
  message: Json;
  payloadSchema: Json;
  validatePayload: ValidateFunction;
  validateHeaders: ValidateFunction | null;
}

export interface DocumentChannel {
  id: string;
  address: string;
  channel: Json;
  messages: DocumentMessage[];
}

/** `#/a/b` in `doc`, following a chain of `$ref`s at the target. */
export function resolvePointer(doc: Json, ref: string): Json {
  if (!ref.startsWith('#/')) throw new Error(`only local references are expected, got ${ref}`);
  let node = ref
    .slice(2)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((at, part) => {
      if (at === undefined || !(part in at)) throw new Error(`${ref} does not resolve`);
      return at[part];
    }, doc);
  while (node && typeof node === 'object' && typeof node.$ref === 'string') node = resolvePointer(doc, node.$ref);
  return node;
}

const deref = (doc: Json, node: Json): Json => (node && typeof node === 'object' && typeof node.$ref === 'string' ? resolvePointer(doc, node.$ref) : node);

/** A copy of a schema with `#/components/schemas/X` made absolute, so ajv resolves it among the registered components. */
function absolute(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(absolute);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => {
      if (key === '$ref' && typeof value === 'string') {
        if (!value.startsWith(SCHEMA_PREFIX)) throw new Error(`a schema may only reference components.schemas, got ${value}`);
        return [key, BASE + value.slice(SCHEMA_PREFIX.length)];
      }
      return [key, absolute(value)];
    }),
  );
}

export class AsyncApiDocument {
  readonly doc: Json;
  readonly ajv: Ajv;
  readonly channels: DocumentChannel[];

  constructor(text = readFileSync(ASYNCAPI_PATH, 'utf8')) {
    this.doc = parse(text);
    // strict: an unknown keyword, a misplaced one or an ambiguous type is an error in the document, not a warning.
    // (strictRequired off: an allOf branch lists every required field of the message, some declared in a sibling branch.)
    this.ajv = new Ajv({ strict: true, strictTypes: true, strictRequired: false, allowUnionTypes: true, allErrors: true });
    for (const [name, schema] of Object.entries<Json>(this.doc.components?.schemas ?? {})) {
      this.ajv.addSchema({ ...absolute(schema), $id: BASE + name });
    }
    this.channels = Object.entries<Json>(this.doc.channels ?? {}).map(([id, channel]) => ({
      id,
      address: channel.address,
      channel,
      messages: Object.entries<Json>(channel.messages ?? {}).map(([messageId, ref]) => {
        const message = deref(this.doc, ref);
        const payload = message.payload ?? {};
        if (payload.schemaFormat !== 'application/schema+json;version=draft-07') throw new Error(`${messageId}: payload schemaFormat is ${payload.schemaFormat}`);
        const headers = message.headers ? this.compile(message.headers) : null;
        return {
          id: typeof ref.$ref === 'string' ? ref.$ref.split('/').pop() : messageId,
          name: message.name,
          message,
          payloadSchema: payload.schema,
          validatePayload: this.compile(payload.schema),
          validateHeaders: headers,
        };
      }),
    }));
  }

  /** A validator for any schema of the document (a component, or an inline schema that references components). */
  compile(schema: Json): ValidateFunction {
    return this.ajv.compile(absolute(schema));
  }

  schema(name: string): Json {
    const schema = this.doc.components?.schemas?.[name];
    if (!schema) throw new Error(`components.schemas.${name} is missing`);
    return schema;
  }

  validator(name: string): ValidateFunction {
    this.schema(name);
    return this.ajv.getSchema(BASE + name)!;
  }

  channel(address: string): DocumentChannel | undefined {
    return this.channels.find((c) => c.address === address);
  }

  /**
   * Whether the document allows `value` on the topic: it is JSON (the content type is JSON) and one of the channel's
   * messages' payload schemas accepts it.
   */
  accepts(topic: string, value: Buffer | string | null): boolean {
    const channel = this.channel(topic);
    if (!channel || value === null) return false;
    let json: unknown;
    try {
      json = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
    } catch {
      return false;
    }
    return channel.messages.some((m) => m.validatePayload(json));
  }

  /** The names of the properties a schema declares, through `$ref` and `allOf` (for "is every published field documented"). */
  declaredProperties(...schemas: Json[]): Set<string> {
    const names = new Set<string>();
    const visit = (node: Json) => {
      node = deref(this.doc, node);
      if (!node || typeof node !== 'object') return;
      for (const key of Object.keys(node.properties ?? {})) names.add(key);
      for (const part of node.allOf ?? []) visit(part);
    };
    schemas.forEach(visit);
    return names;
  }

  /** Every declaration of property `name` in `schema`, through `$ref` and `allOf` (an envelope's and a message's, say). */
  propertySchemas(schema: Json, name: string): Json[] {
    const found: Json[] = [];
    const visit = (node: Json) => {
      node = deref(this.doc, node);
      if (!node || typeof node !== 'object') return;
      if (node.properties?.[name] !== undefined) found.push(deref(this.doc, node.properties[name]));
      for (const part of node.allOf ?? []) visit(part);
    };
    visit(schema);
    return found;
  }

  /** The `const` that some declaration of property `name` gives it (the event type, the source). */
  propertyConst(schema: Json, name: string): unknown {
    return this.propertySchemas(schema, name).find((s) => s.const !== undefined)?.const;
  }

  /** Every `maxLength` in the document's schemas (the lengths worth probing at their bounds). */
  maxLengths(): number[] {
    const found = new Set<number>();
    const visit = (node: Json) => {
      if (Array.isArray(node)) node.forEach(visit);
      else if (node && typeof node === 'object') {
        if (typeof node.maxLength === 'number') found.add(node.maxLength);
        Object.values(node).forEach(visit);
      }
    };
    visit(this.doc.components?.schemas);
    return [...found].sort((a, b) => a - b);
  }
}
