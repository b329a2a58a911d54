-- The directory names each person's manager (their email or id), for managers' lists and exports; '' when
-- the file does not say. Loads made before this migration read as ''.
ALTER TABLE directory ADD COLUMN IF NOT EXISTS manager String DEFAULT '' COMMENT 'the person''s manager (email or id), from the directory' AFTER cost_center;
