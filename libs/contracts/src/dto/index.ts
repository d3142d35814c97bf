export * from './cloud-event.dto';
export * from './event-data.dto';
export * from './rfc3339';
