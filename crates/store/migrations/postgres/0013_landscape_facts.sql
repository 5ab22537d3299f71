-- Two facts of each analysis kept beside its body, so that listings (and the readiness view's
-- choice of the broadest analysis) need not read and parse every body: the number of works
-- analysed and the ids of the areas, space-separated. Filled from the bodies already stored.
ALTER TABLE landscapes ADD COLUMN works BIGINT NOT NULL DEFAULT 0;
ALTER TABLE landscapes ADD COLUMN areas TEXT NOT NULL DEFAULT '';
UPDATE landscapes SET
    works = COALESCE((body::jsonb #>> '{report,works}')::bigint, 0),
    areas = COALESCE((SELECT string_agg(k, ' ' ORDER BY k)
        FROM jsonb_object_keys(body::jsonb #> '{report,areas}') AS k), '');
