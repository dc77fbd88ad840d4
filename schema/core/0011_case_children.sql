-- 0011_case_children.sql: every unit below that holds a copy of a case, not only the last one.
--
-- from_child names the child a case came from or was last sent down to, and decides where a
-- return (退回) goes. Changes of the case went to that child alone, so a case the street took
-- from one community and dispatched to another was lost to the first: it never heard of the
-- dispatch or the result, and when the result came back to it as the unit that took the case
-- in, its copy still said the street held it, and nobody could close it. children lists every
-- child that has a copy (from_child among them), and each change goes to all of them.
ALTER TABLE cases ADD COLUMN children text[] NOT NULL DEFAULT '{}';
UPDATE cases SET children = ARRAY[from_child] WHERE from_child IS NOT NULL;
