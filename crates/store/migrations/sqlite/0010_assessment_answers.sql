-- The questionnaire behind an assessment made with the calculator (JSON), kept with it.
ALTER TABLE assessments ADD COLUMN answers TEXT;
