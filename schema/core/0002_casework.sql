-- 0002_casework.sql: graded tracks, departments, documents and the tamper-evident case file.

ALTER TABLE cases
    ADD COLUMN amount       bigint  NOT NULL DEFAULT 0,   -- amount in dispute, yuan
    ADD COLUMN bounce_count int     NOT NULL DEFAULT 0,   -- department returns (退单) so far
    ADD COLUMN track_rule   text    NOT NULL DEFAULT '',  -- rule that set the track, or override
    ADD COLUMN binding      boolean NOT NULL DEFAULT false;  -- assigned by the tier above
CREATE INDEX cases_unit_created ON cases (unit, created_at);

-- The chain: each entry's hash covers the previous entry's hash and its own content, so an
-- entry edited in place no longer matches, and neither does anything after it.
ALTER TABLE case_events
    ADD COLUMN at_ms     bigint,
    ADD COLUMN prev_hash text NOT NULL DEFAULT '',
    ADD COLUMN hash      text NOT NULL DEFAULT '';
UPDATE case_events SET at_ms = (extract(epoch FROM at) * 1000)::int8;
ALTER TABLE case_events ALTER COLUMN at_ms SET NOT NULL;

-- Length-prefixed fields, so that no choice of text can make two entries hash alike.
CREATE FUNCTION event_hash(prev text, id uuid, at_ms bigint, unit text, action text,
                           from_state text, to_state text, actor text, note text)
RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT encode(sha256(convert_to(
        length(prev) || ':' || prev || length(id::text) || ':' || id::text ||
        length(at_ms::text) || ':' || at_ms::text || length(unit) || ':' || unit ||
        length(action) || ':' || action || length(from_state) || ':' || from_state ||
        length(to_state) || ':' || to_state || length(actor) || ':' || actor ||
        length(note) || ':' || note, 'UTF8')), 'hex')
$$;

-- 分流转办: the departments working on a case at this tier.
CREATE TABLE case_departments (
    unit        text NOT NULL,
    uuid        uuid NOT NULL,
    dept        text NOT NULL,
    role        text NOT NULL CHECK (role IN ('lead', 'co')),
    status      text NOT NULL CHECK (status IN ('assigned', 'accepted', 'returned', 'done')),
    reason      text NOT NULL DEFAULT '',
    result      text NOT NULL DEFAULT '',
    assigned_by text NOT NULL,
    PRIMARY KEY (unit, uuid, dept),
    FOREIGN KEY (unit, uuid) REFERENCES cases (unit, uuid)
);
CREATE INDEX case_departments_dept ON case_departments (unit, dept);

-- Documents on the case file, carried with the case between tiers.
CREATE TABLE case_documents (
    unit      text        NOT NULL,
    uuid      uuid        NOT NULL,
    doc_uuid  uuid        NOT NULL,
    kind      text        NOT NULL,
    number    text        NOT NULL DEFAULT '',
    doc_date  text        NOT NULL DEFAULT '',
    parties   text        NOT NULL DEFAULT '',
    terms     text        NOT NULL DEFAULT '',
    court     text        NOT NULL DEFAULT '',
    at_unit   text        NOT NULL,
    at_ms     bigint      NOT NULL,
    PRIMARY KEY (unit, doc_uuid),
    FOREIGN KEY (unit, uuid) REFERENCES cases (unit, uuid)
);
