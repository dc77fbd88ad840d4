-- 0001_cases.sql: the case file and the reliable link, created in every tier's schema
-- (community, street, district). Rows carry the unit code: one schema can hold several units.

CREATE TABLE cases (
    unit         text        NOT NULL,  -- the unit whose copy this is
    uuid         uuid        NOT NULL,
    case_no      text        NOT NULL,  -- unified case number, never changes
    title        text        NOT NULL,
    description  text        NOT NULL DEFAULT '',
    category     text        NOT NULL,
    risk         int         NOT NULL DEFAULT 1 CHECK (risk BETWEEN 1 AND 4),
    track        text        NOT NULL DEFAULT '',
    source       text        NOT NULL DEFAULT '',
    address      text        NOT NULL DEFAULT '',
    grid         text        NOT NULL DEFAULT '',
    reporter     text        NOT NULL DEFAULT '',
    state        text        NOT NULL,
    holder       text        NOT NULL,  -- unit code of the unit holding the case now
    origin_unit  text        NOT NULL,  -- unit that took the case in
    from_child   text,                  -- child unit that sent it up to us, NULL if taken in here
    sent_up      boolean     NOT NULL DEFAULT false,  -- we escalated it: the parent has a copy
    version      int         NOT NULL DEFAULT 0,      -- transitions so far; copies never go back
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    deadline     timestamptz,
    PRIMARY KEY (unit, uuid),
    UNIQUE (unit, case_no)
);
CREATE INDEX cases_unit_state ON cases (unit, state);

CREATE TABLE case_parties (
    unit   text NOT NULL,
    uuid   uuid NOT NULL,
    idx    int  NOT NULL,
    name   text NOT NULL DEFAULT '',
    phone  text NOT NULL DEFAULT '',
    role   text NOT NULL DEFAULT '',
    PRIMARY KEY (unit, uuid, idx),
    FOREIGN KEY (unit, uuid) REFERENCES cases (unit, uuid)
);

-- 一案一档: append-only; entries are identified by uuid so copies merge without duplicates.
CREATE TABLE case_events (
    unit        text        NOT NULL,
    uuid        uuid        NOT NULL,
    event_uuid  uuid        NOT NULL,
    at          timestamptz NOT NULL,
    at_unit     text        NOT NULL,
    action      text        NOT NULL,
    from_state  text        NOT NULL DEFAULT '',
    to_state    text        NOT NULL,
    actor       text        NOT NULL DEFAULT '',
    note        text        NOT NULL DEFAULT '',
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (unit, event_uuid),
    FOREIGN KEY (unit, uuid) REFERENCES cases (unit, uuid)
);
CREATE INDEX case_events_case ON case_events (unit, uuid, at);

-- Per-unit daily sequence behind the case number; the row lock serialises concurrent intake.
CREATE TABLE case_counters (
    unit  text NOT NULL,
    day   int  NOT NULL,  -- YYYYMMDD, China Standard Time
    last  int  NOT NULL,
    PRIMARY KEY (unit, day)
);

-- Sending side of each link: the next sequence number to assign and the highest acked.
CREATE TABLE link_out (
    unit      text   NOT NULL,
    peer      text   NOT NULL,
    next_seq  bigint NOT NULL,
    acked_seq bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (unit, peer)
);

-- Transactional outbox: written in the same transaction as the change that causes it, deleted
-- only once the peer has acked it; a row the peer refused stays, marked poisoned.
CREATE TABLE outbox (
    unit            text        NOT NULL,
    peer            text        NOT NULL,
    seq             bigint      NOT NULL,
    msg_id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    body            bytea       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    poisoned_reason text,
    PRIMARY KEY (unit, peer, seq)
);

-- Receiving side: the highest sequence applied from each peer.
CREATE TABLE inbox (
    unit      text   NOT NULL,
    peer      text   NOT NULL,
    last_seq  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (unit, peer)
);

-- Bad input is kept, not dropped.
CREATE TABLE quarantine (
    id          bigserial   PRIMARY KEY,
    unit        text        NOT NULL,
    peer        text        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    reason      text        NOT NULL,
    bytes       bytea       NOT NULL
);
