-- Committees and working groups carry a label too: a reader sees a committee, and its meetings,
-- only when the label is readable.
ALTER TABLE committees ADD COLUMN label_id INTEGER REFERENCES labels(id);
