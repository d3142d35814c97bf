import { MigrationInterface, QueryRunner } from 'typeorm';

/** The engine's first schema: event store, referral state, append-only ledger, periods, outbox. */
export class InitialSchema1764201600000 implements MigrationInterface {
  name = 'InitialSchema1764201600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE input_event (
        source          text    NOT NULL,
        event_id        text    NOT NULL,
        payload_hash    text    NOT NULL,
        type            text    NOT NULL,
        time_ms         bigint  NOT NULL,
        referral_id     text,
        partner_id      text,
        partner_domain  text,
        domain          text,
        channel         text,
        customer_id     text,
        referral_code   text,
        prior_account   boolean,
        invoice_line_id text,
        product_code    text,
        refund_id       text,
        amount          bigint,
        currency        text,
        topic           text    NOT NULL,
        kafka_partition integer NOT NULL,
        kafka_offset    bigint  NOT NULL,
        received_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (source, event_id)
      )`);
    await q.query(`CREATE INDEX input_event_referral_idx ON input_event (referral_id) WHERE referral_id IS NOT NULL`);
    await q.query(`CREATE INDEX input_event_referral_code_idx ON input_event (referral_code) WHERE referral_code IS NOT NULL`);
    await q.query(`CREATE INDEX input_event_customer_idx ON input_event (customer_id) WHERE customer_id IS NOT NULL`);
    await q.query(`CREATE INDEX input_event_domain_idx ON input_event (domain) WHERE domain IS NOT NULL`);

    await q.query(`
      CREATE TABLE referral (
        referral_id         text PRIMARY KEY,
        partner_id          text NOT NULL,
        customer_id         text,
        status              text NOT NULL,
        reason              text,
        submitted_at        timestamptz NOT NULL,
        signed_up_at        timestamptz,
        activated_at        timestamptz,
        qualified_at        timestamptz,
        qualifying_currency text,
        qualifying_spend    bigint,
        expires_at          timestamptz,
        sequence            integer NOT NULL,
        qualified_version   integer NOT NULL DEFAULT 0,
        updated_at          timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX referral_partner_idx ON referral (partner_id, status)`);
    await q.query(`CREATE INDEX referral_expiry_idx ON referral (expires_at) WHERE expires_at IS NOT NULL`);

    await q.query(`
      CREATE TABLE referral_status_history (
        referral_id     text    NOT NULL,
        sequence        integer NOT NULL,
        status          text    NOT NULL,
        reason          text,
        previous_status text,
        changed_at      timestamptz NOT NULL,
        PRIMARY KEY (referral_id, sequence)
      )`);

    await q.query(`
      CREATE TABLE ledger_entry (
        entry_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        partner_id       text   NOT NULL,
        referral_id      text,
        customer_id      text,
        type             text   NOT NULL,
        slot             text,
        amount           bigint NOT NULL,
        currency         text   NOT NULL,
        source_event_id  text,
        effective_at     timestamptz NOT NULL,
        effective_period char(7) NOT NULL,
        booked_period    char(7) NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        CHECK (amount <> 0),
        CHECK (booked_period >= effective_period)
      )`);
    await q.query(`CREATE INDEX ledger_entry_referral_idx ON ledger_entry (referral_id) WHERE referral_id IS NOT NULL`);
    await q.query(`CREATE INDEX ledger_entry_booked_idx ON ledger_entry (booked_period, partner_id, entry_id)`);
    // Append-only: entries are never updated or deleted (CONTRACT §4).
    await q.query(`
      CREATE FUNCTION ledger_entry_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'ledger_entry is append-only (% refused)', TG_OP USING ERRCODE = 'restrict_violation';
      END $$`);
    await q.query(`
      CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger_entry
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_entry_is_append_only()`);

    await q.query(`
      CREATE TABLE accounting_period (
        period    char(7) PRIMARY KEY,
        closed_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE payout_statement (
        period     char(7) NOT NULL,
        partner_id text    NOT NULL,
        currency   text    NOT NULL,
        opening    bigint  NOT NULL,
        net        bigint  NOT NULL,
        closing    bigint  NOT NULL,
        payable    bigint  NOT NULL,
        carried    bigint  NOT NULL,
        PRIMARY KEY (period, partner_id, currency)
      )`);
    await q.query(`
      CREATE TABLE adjustment_request (
        idempotency_key text PRIMARY KEY,
        request_hash    text   NOT NULL,
        entry_id        bigint NOT NULL REFERENCES ledger_entry (entry_id),
        created_at      timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE outbox (
        id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id   text NOT NULL UNIQUE,
        topic      text NOT NULL,
        key        text NOT NULL,
        value      text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE anomaly (
        source      text NOT NULL,
        event_id    text NOT NULL,
        code        text NOT NULL,
        customer_id text,
        referral_id text,
        detail      text NOT NULL,
        first_seen  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (source, event_id, code)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['anomaly', 'outbox', 'adjustment_request', 'payout_statement', 'accounting_period', 'ledger_entry', 'referral_status_history', 'referral', 'input_event']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
    await q.query(`DROP FUNCTION IF EXISTS ledger_entry_is_append_only()`);
  }
}
