-- 0003_supervision.sql: deadlines and their clocks, supervision notices (督办), feedback to the
-- citizen and satisfaction, and the figures units report up for statistics (分析研判).

ALTER TABLE cases
    ADD COLUMN clock_start_ms bigint NOT NULL DEFAULT 0,  -- when the holder's clock started
    ADD COLUMN paused_ms      bigint NOT NULL DEFAULT 0,  -- clock stands still since; 0 running
    ADD COLUMN extension_days int    NOT NULL DEFAULT 0,  -- 延期申请 waiting for the tier above
    ADD COLUMN unsatisfied    int    NOT NULL DEFAULT 0;  -- 不满意 answers that count
CREATE INDEX cases_unit_holder_deadline ON cases (unit, holder, deadline);

CREATE TABLE notices (
    unit        text   NOT NULL,
    uuid        uuid   NOT NULL,   -- the case
    notice_uuid uuid   NOT NULL,
    number      text   NOT NULL,
    kind        text   NOT NULL CHECK (kind IN ('reminder', 'work_prompt', 'risk_warning')),
    addressee   text   NOT NULL,
    reason      text   NOT NULL,
    at_unit     text   NOT NULL,
    at_ms       bigint NOT NULL,
    acked_ms    bigint NOT NULL DEFAULT 0,
    acked_by    text   NOT NULL DEFAULT '',
    PRIMARY KEY (unit, notice_uuid),
    FOREIGN KEY (unit, uuid) REFERENCES cases (unit, uuid)
);
CREATE INDEX notices_case ON notices (unit, uuid, kind, at_ms);

-- Per unit, kind and year: the sequence behind notice numbers.
CREATE TABLE notice_counters (
    unit text NOT NULL,
    kind text NOT NULL,
    year int  NOT NULL,
    last int  NOT NULL,
    PRIMARY KEY (unit, kind, year)
);

CREATE TABLE feedback (
    unit          text    NOT NULL,
    uuid          uuid    NOT NULL,
    fb_uuid       uuid    NOT NULL,
    channel       text    NOT NULL DEFAULT '',
    text          text    NOT NULL DEFAULT '',
    answer        text    NOT NULL DEFAULT ''
                  CHECK (answer IN ('', 'satisfied', 'basically_satisfied', 'unsatisfied')),
    comment       text    NOT NULL DEFAULT '',
    unreasonable  boolean NOT NULL DEFAULT false,
    review_reason text    NOT NULL DEFAULT '',
    at_unit       text    NOT NULL,
    at_ms         bigint  NOT NULL,
    PRIMARY KEY (unit, fb_uuid),
    FOREIGN KEY (unit, uuid) REFERENCES cases (unit, uuid)
);

-- Figures of the units below, one row per reporting unit and day (a packed DayFigures).
CREATE TABLE stats_reported (
    unit     text   NOT NULL,  -- the unit that received them
    src_unit text   NOT NULL,  -- the unit the figures are about
    day      int    NOT NULL,  -- YYYYMMDD
    figures  bytea  NOT NULL,
    PRIMARY KEY (unit, src_unit, day)
);

-- When this unit last reported its own figures up.
CREATE TABLE stats_sent (
    unit       text   PRIMARY KEY,
    through_ms bigint NOT NULL
);

-- The outbox now carries directives and statistics besides case copies: which one a row holds
-- (the Envelope body field number: 10 sync, 13 directive, 14 stats).
ALTER TABLE outbox ADD COLUMN body_kind int NOT NULL DEFAULT 10;
