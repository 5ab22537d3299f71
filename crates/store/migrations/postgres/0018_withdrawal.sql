-- Withdrawal: a document's keepers (pillar_core::stewardship::may_change) may withdraw it. A
-- withdrawn document stays readable to those its label allows, marked, for the record; nothing
-- changes it afterwards (no new version, no relabelling, no release).
ALTER TABLE documents ADD COLUMN withdrawn_at TEXT;
ALTER TABLE documents ADD COLUMN withdrawn_by TEXT;
ALTER TABLE documents ADD COLUMN withdrawn_reason TEXT;
