-- 0010_expect.sql: a statement that ends its transaction when it finds what it did not expect.
--
-- A transaction sent to the server whole (db_async.c) is written before any of its results is
-- read, so its sender cannot look at one and stop. What it took for granted is checked in a
-- statement instead: fq_expect raises PROBLEM when OK is false, and the server rolls the whole
-- transaction back, as it does after any failed statement. The link's receiver uses it to make
-- a run it sent whole move the inbox from exactly the sequence it read there, or not at all.
CREATE FUNCTION fq_expect(ok boolean, problem text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF ok IS NOT TRUE THEN
        RAISE EXCEPTION '%', problem;
    END IF;
END
$$;
