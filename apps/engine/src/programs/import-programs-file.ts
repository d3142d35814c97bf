import { readFile } from 'node:fs/promises';
import { Logger, LoggerService } from '@nestjs/common';
import { AppConfig, Clock } from '@engine/config';
import { DocumentProblem, validateProgramsFile } from '@engine/contracts';
import { openMigratedDataSource } from '@engine/persistence';
import { DataSource } from 'typeorm';
import { CatalogueChangeRefused, MergeReport, ProgramCatalogueService } from './program-catalogue.service';

/** PROGRAMS_FILE could not be imported: the message names the file, and the program, version or field. */
export class ProgramsFileError extends Error {
  constructor(file: string, problem: string) {
    super(`PROGRAMS_FILE ${file}: ${problem}`);
    this.name = 'ProgramsFileError';
  }
}

/** A validation problem of the file, said of the program it is in: `program "apac-launch" (programs.2): versions.0.… must …`. */
function describe(problem: DocumentProblem, json: unknown): string {
  const match = /^programs\.(\d+)(?:\.|$)/.exec(problem.field);
  if (!match) return problem.message;
  const prefix = match[0];
  const programId = (json as { programs?: { programId?: unknown }[] }).programs?.[Number(match[1])]?.programId;
  const rest = problem.message.startsWith(prefix) ? problem.message.slice(prefix.length) : problem.message;
  return `${typeof programId === 'string' ? `program ${JSON.stringify(programId)} (programs.${match[1]})` : `programs.${match[1]}`}: ${rest || problem.message}`;
}

/**
 * Imports a programs file `{"programs": [...]}` into the catalogue (CONTRACT §8): validated with the API's DTOs, then
 * what is new is added (programs, versions) in one transaction, all or nothing. A program stored under another name,
 * priority or scope, a version stored with other content, a retired `standard`, or, once the event store holds an
 * event, a new version effective before `now`, refuses the whole file. Throws ProgramsFileError naming each of them.
 */
export async function importProgramsFile(dataSource: DataSource, file: string, now: number): Promise<MergeReport> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ProgramsFileError(file, `cannot be read (${(error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ProgramsFileError(file, `is not JSON (${(error as Error).message})`);
  }
  const validated = validateProgramsFile(json);
  if (!validated.ok) throw new ProgramsFileError(file, validated.problems.map((p) => describe(p, json)).join('; '));
  try {
    return await new ProgramCatalogueService(dataSource).merge(validated.value.programs, now);
  } catch (error) {
    if (error instanceof CatalogueChangeRefused) throw new ProgramsFileError(file, error.message);
    throw error;
  }
}

/**
 * The import at start: when PROGRAMS_FILE is set, migrates the database (creating it when missing) and imports the
 * file, before the engine is built and consumes anything. A failure stops the start (the error names the file and
 * what it refused).
 */
export async function importProgramsFileAtStart(config: AppConfig, logger: Pick<LoggerService, 'log'> = new Logger('Programs')): Promise<MergeReport | null> {
  if (!config.programsFile) return null;
  const dataSource = await openMigratedDataSource(config, 1);
  try {
    const report = await importProgramsFile(dataSource, config.programsFile, new Clock(config.engineNow).now());
    const added = [...report.createdPrograms.map((id) => `program ${id}`), ...report.addedVersions.map((v) => `${v.programId} version ${v.version}`)];
    logger.log(`PROGRAMS_FILE ${config.programsFile}: ${added.length > 0 ? `added ${added.join(', ')}` : 'nothing new'}`);
    return report;
  } finally {
    await dataSource.destroy();
  }
}
