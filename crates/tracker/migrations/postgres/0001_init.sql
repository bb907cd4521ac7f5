-- The tracker's schema on PostgreSQL. Times are milliseconds since the Unix epoch, taken from
-- the instances' clocks, so every query compares numbers the same way on every store.

-- One row per tracked envelope: where it is, when it is read next, and who handles it now.
CREATE TABLE signing_tracker_envelopes (
    provider        TEXT    NOT NULL,
    envelope_id     TEXT    NOT NULL,
    -- The envelope as last read (JSON of signing_core::Envelope); its signers let a
    -- `completed` event imply each signature.
    snapshot        TEXT,
    -- Transitions 1..recorded_seq exist; 1..handled_seq were handled, in order.
    recorded_seq    BIGINT  NOT NULL DEFAULT 0,
    handled_seq     BIGINT  NOT NULL DEFAULT 0,
    -- The final transition is recorded: the reconciler no longer reads the envelope.
    finished        BOOLEAN NOT NULL DEFAULT FALSE,
    -- The next read by the reconciler; a claim moves it forward, which is the read's lease.
    poll_due_at     BIGINT  NOT NULL,
    poll_errors     BIGINT  NOT NULL DEFAULT 0,
    last_poll_error TEXT,
    tracked_at      BIGINT  NOT NULL,
    changed_at      BIGINT  NOT NULL,
    -- The handler's lease on the envelope: one instance handles its transitions at a time.
    lease_owner     TEXT,
    lease_until     BIGINT,
    -- When the next unhandled transition may be tried (later after a failure: backoff).
    handle_due_at   BIGINT  NOT NULL,
    PRIMARY KEY (provider, envelope_id),
    CHECK (handled_seq <= recorded_seq)
);

CREATE INDEX signing_tracker_envelopes_poll
    ON signing_tracker_envelopes (provider, poll_due_at) WHERE NOT finished;
CREATE INDEX signing_tracker_envelopes_handle
    ON signing_tracker_envelopes (handle_due_at) WHERE handled_seq < recorded_seq;

-- One row per transition: a milestone of an envelope, at most once (the unique milestone key).
CREATE TABLE signing_tracker_transitions (
    provider    TEXT   NOT NULL,
    envelope_id TEXT   NOT NULL,
    seq         BIGINT NOT NULL,
    -- `sent`, `signed:{signer key}` or `finished`.
    milestone   TEXT   NOT NULL,
    kind        TEXT   NOT NULL,
    signer      TEXT,
    status      TEXT   NOT NULL,
    source      TEXT   NOT NULL,
    recorded_at BIGINT NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 0,
    last_error  TEXT,
    handled_at  BIGINT,
    PRIMARY KEY (provider, envelope_id, seq),
    UNIQUE (provider, envelope_id, milestone),
    FOREIGN KEY (provider, envelope_id)
        REFERENCES signing_tracker_envelopes (provider, envelope_id) ON DELETE CASCADE
);

CREATE INDEX signing_tracker_transitions_pending
    ON signing_tracker_transitions (recorded_at) WHERE handled_at IS NULL;

-- Deliveries whose effect is recorded: a redelivery is dropped as a duplicate.
CREATE TABLE signing_tracker_deliveries (
    provider    TEXT   NOT NULL,
    delivery_id TEXT   NOT NULL,
    envelope_id TEXT   NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (provider, delivery_id)
);

CREATE INDEX signing_tracker_deliveries_received
    ON signing_tracker_deliveries (received_at);
