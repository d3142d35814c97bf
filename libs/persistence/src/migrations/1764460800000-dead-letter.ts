import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every dead-lettered message by its source coordinates, so that a redelivery (offsets not yet committed at a
 * restart or rebalance) does not send it to the DLQ twice. The payload itself lives only on the DLQ topic.
 */
export class DeadLetter1764460800000 implements MigrationInterface {
  name = 'DeadLetter1764460800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE dead_letter (
        topic           text    NOT NULL,
        kafka_partition integer NOT NULL,
        kafka_offset    bigint  NOT NULL,
        code            text    NOT NULL,
        reason          text    NOT NULL,
        received_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (topic, kafka_partition, kafka_offset)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE dead_letter`);
  }
}
