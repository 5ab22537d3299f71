-- Korean names of technology areas: pages in Korean show them (the English name stays the
-- record's name; a row without one is shown in English).
ALTER TABLE tech_areas ADD COLUMN name_ko TEXT;
