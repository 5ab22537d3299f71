-- Stewardship of every labelled record, not only documents (pillar_core::stewardship): the
-- originating organisation and nation, recorded at creation and never changed by a later
-- import, and whether the record is the committee's own. Meeting items share their meeting's.
-- Records loaded before this migration were all loaded by the operator for the committee: they
-- become the committee's own (origin nation `PILLAR`, the committee as a whole); projects
-- originate with their lead organisation and nation, as they always have.
ALTER TABLE nations ADD COLUMN origin_org TEXT;
ALTER TABLE nations ADD COLUMN origin_nation TEXT NOT NULL DEFAULT '';
ALTER TABLE nations ADD COLUMN committee_own INTEGER NOT NULL DEFAULT 0;
ALTER TABLE organisations ADD COLUMN origin_org TEXT;
ALTER TABLE organisations ADD COLUMN origin_nation TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN committee_own INTEGER NOT NULL DEFAULT 0;
ALTER TABLE people ADD COLUMN origin_org TEXT;
ALTER TABLE people ADD COLUMN origin_nation TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN committee_own INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tech_areas ADD COLUMN origin_org TEXT;
ALTER TABLE tech_areas ADD COLUMN origin_nation TEXT NOT NULL DEFAULT '';
ALTER TABLE tech_areas ADD COLUMN committee_own INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agreements ADD COLUMN origin_org TEXT;
ALTER TABLE agreements ADD COLUMN origin_nation TEXT NOT NULL DEFAULT '';
ALTER TABLE agreements ADD COLUMN committee_own INTEGER NOT NULL DEFAULT 0;
ALTER TABLE supply_networks ADD COLUMN origin_org TEXT;
ALTER TABLE supply_networks ADD COLUMN origin_nation TEXT NOT NULL DEFAULT '';
ALTER TABLE supply_networks ADD COLUMN committee_own INTEGER NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN origin_org TEXT;
ALTER TABLE projects ADD COLUMN origin_nation TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN committee_own INTEGER NOT NULL DEFAULT 0;
ALTER TABLE committees ADD COLUMN origin_org TEXT;
ALTER TABLE committees ADD COLUMN origin_nation TEXT NOT NULL DEFAULT '';
ALTER TABLE committees ADD COLUMN committee_own INTEGER NOT NULL DEFAULT 0;
ALTER TABLE meetings ADD COLUMN origin_org TEXT;
ALTER TABLE meetings ADD COLUMN origin_nation TEXT NOT NULL DEFAULT '';
ALTER TABLE meetings ADD COLUMN committee_own INTEGER NOT NULL DEFAULT 0;
ALTER TABLE landscapes ADD COLUMN origin_org TEXT;
ALTER TABLE landscapes ADD COLUMN origin_nation TEXT NOT NULL DEFAULT '';
ALTER TABLE landscapes ADD COLUMN committee_own INTEGER NOT NULL DEFAULT 0;
UPDATE nations SET origin_nation = 'PILLAR', committee_own = 1;
UPDATE organisations SET origin_nation = 'PILLAR', committee_own = 1;
UPDATE people SET origin_nation = 'PILLAR', committee_own = 1;
UPDATE tech_areas SET origin_nation = 'PILLAR', committee_own = 1;
UPDATE agreements SET origin_nation = 'PILLAR', committee_own = 1;
UPDATE supply_networks SET origin_nation = 'PILLAR', committee_own = 1;
UPDATE committees SET origin_nation = 'PILLAR', committee_own = 1;
UPDATE meetings SET origin_nation = 'PILLAR', committee_own = 1;
UPDATE landscapes SET origin_nation = 'PILLAR', committee_own = 1;
UPDATE projects SET origin_nation = lead_nation, origin_org = json_extract(body, '$.lead_organisation'), committee_own = 0;
