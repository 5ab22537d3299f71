-- Stewardship: where each document comes from and who keeps it (pillar_core::stewardship).
-- Recorded from the creator at creation; documents created before this migration take their
-- creator's organisation and nationality as they stand in the registry now.
ALTER TABLE documents ADD COLUMN origin_org TEXT;
ALTER TABLE documents ADD COLUMN origin_nation TEXT NOT NULL DEFAULT '';
-- Person ids named as stewards, separated by spaces.
ALTER TABLE documents ADD COLUMN stewards TEXT NOT NULL DEFAULT '';
-- 1 when the committee's own (created by its secretariat).
ALTER TABLE documents ADD COLUMN committee_own INTEGER NOT NULL DEFAULT 0;
UPDATE documents SET
    origin_org = (SELECT organisation FROM people WHERE people.id = documents.created_by),
    origin_nation = COALESCE((SELECT nationality FROM people WHERE people.id = documents.created_by), ''),
    committee_own = CASE WHEN EXISTS (SELECT 1 FROM person_roles r WHERE r.person_id = documents.created_by AND r.role = 'secretariat') THEN 1 ELSE 0 END;
