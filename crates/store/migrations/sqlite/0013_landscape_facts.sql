-- Two facts of each analysis kept beside its body, so that listings (and the readiness view's
-- choice of the broadest analysis) need not read and parse every body: the number of works
-- analysed and the ids of the areas, space-separated. Filled from the bodies already stored.
ALTER TABLE landscapes ADD COLUMN works BIGINT NOT NULL DEFAULT 0;
ALTER TABLE landscapes ADD COLUMN areas TEXT NOT NULL DEFAULT '';
UPDATE landscapes SET
    works = COALESCE(json_extract(body, '$.report.works'), 0),
    areas = COALESCE((SELECT group_concat(key, ' ') FROM
        (SELECT key FROM json_each(body, '$.report.areas') ORDER BY key)), '');
