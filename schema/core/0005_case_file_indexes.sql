-- 0005_case_file_indexes.sql: documents and feedback are read per case every time a case is
-- loaded (each action's reply, each copy sent to a neighbour). Without an index on the case,
-- those reads scan every row of the unit, and grow with the number of cases it ever had.
CREATE INDEX case_documents_case ON case_documents (unit, uuid);
CREATE INDEX feedback_case ON feedback (unit, uuid);
