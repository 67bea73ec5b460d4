/**
 * Migration 1: the first schema. Shipped migrations are never edited: change the schema
 * by adding 0002-….ts and listing it in migrations/index.ts.
 *
 * Conventions: times are ISO-8601 UTC text; JSON columns end in _json; BLOBs hold raw
 * bytes. Image bytes live in image_data, not images, so listing 20,000 rows never walks
 * the BLOB overflow pages.
 */
export const migration0001 = {
  version: 1,
  name: 'initial',
  sql: `
CREATE TABLE images (
  id            INTEGER PRIMARY KEY,
  sha256        TEXT    NOT NULL UNIQUE,
  byte_size     INTEGER NOT NULL,
  width         INTEGER NOT NULL,
  height        INTEGER NOT NULL,
  channels      INTEGER NOT NULL,
  format        TEXT    NOT NULL,
  original_name TEXT    NOT NULL,
  source_path   TEXT,
  imported_at   TEXT    NOT NULL
);
CREATE INDEX images_imported_at ON images(imported_at, id);

CREATE TABLE image_data (
  image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
  bytes    BLOB    NOT NULL
);

CREATE TABLE thumbnails (
  image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
  mime     TEXT    NOT NULL,
  width    INTEGER NOT NULL,
  height   INTEGER NOT NULL,
  bytes    BLOB    NOT NULL
);

CREATE TABLE classes (
  id         INTEGER PRIMARY KEY,
  name       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
  colour     TEXT    NOT NULL,
  sort_order INTEGER NOT NULL,
  is_good    INTEGER NOT NULL DEFAULT 0 CHECK (is_good IN (0, 1)),
  created_at TEXT    NOT NULL
);
-- At most one class means "good part".
CREATE UNIQUE INDEX classes_one_good ON classes(is_good) WHERE is_good = 1;

CREATE TABLE labels (
  image_id   INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
  class_id   INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
  labelled_at TEXT   NOT NULL,
  source     TEXT    NOT NULL
);
CREATE INDEX labels_class ON labels(class_id, image_id);

-- Every change of a label; action_id groups the rows of one user action (undo unit).
CREATE TABLE label_history (
  id           INTEGER PRIMARY KEY,
  action_id    INTEGER NOT NULL,
  image_id     INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  old_class_id INTEGER REFERENCES classes(id) ON DELETE SET NULL,
  new_class_id INTEGER REFERENCES classes(id) ON DELETE SET NULL,
  changed_at   TEXT    NOT NULL,
  source       TEXT    NOT NULL,
  undone       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX label_history_image ON label_history(image_id, id);
CREATE INDEX label_history_action ON label_history(action_id);

CREATE TABLE splits (
  image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
  split    TEXT    NOT NULL CHECK (split IN ('train', 'val')),
  source   TEXT    NOT NULL CHECK (source IN ('auto', 'folder', 'user'))
);
CREATE INDEX splits_split ON splits(split, image_id);

CREATE TABLE training_runs (
  id           INTEGER PRIMARY KEY,
  kind         TEXT    NOT NULL CHECK (kind IN ('classifier', 'anomaly')),
  status       TEXT    NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled', 'interrupted')),
  config_json  TEXT    NOT NULL,
  started_at   TEXT    NOT NULL,
  finished_at  TEXT,
  error        TEXT,
  summary_json TEXT
);

CREATE TABLE training_epochs (
  run_id       INTEGER NOT NULL REFERENCES training_runs(id) ON DELETE CASCADE,
  epoch        INTEGER NOT NULL,
  metrics_json TEXT    NOT NULL,
  recorded_at  TEXT    NOT NULL,
  PRIMARY KEY (run_id, epoch)
);

CREATE TABLE models (
  id               INTEGER PRIMARY KEY,
  version          INTEGER NOT NULL UNIQUE,
  kind             TEXT    NOT NULL CHECK (kind IN ('classifier', 'anomaly')),
  architecture     TEXT    NOT NULL,
  classes_json     TEXT    NOT NULL,
  onnx_bytes       INTEGER NOT NULL,
  metrics_json     TEXT    NOT NULL,
  config_json      TEXT    NOT NULL,
  data_fingerprint TEXT    NOT NULL,
  threshold        REAL,
  active           INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
  training_run_id  INTEGER REFERENCES training_runs(id) ON DELETE SET NULL,
  created_at       TEXT    NOT NULL,
  activated_at     TEXT
);
-- One active model per kind (a classifier and an anomaly model may both be active).
CREATE UNIQUE INDEX models_one_active ON models(kind) WHERE active = 1;

-- The ONNX model and its weights (tens of MB each) live apart from the metadata: SQLite
-- walks a row's overflow pages to reach columns stored after a blob, so keeping them in
-- the models row made every "which model is active?" read cost ~45 MB of I/O.
CREATE TABLE model_blobs (
  model_id INTEGER PRIMARY KEY REFERENCES models(id) ON DELETE CASCADE,
  onnx     BLOB    NOT NULL,
  weights  BLOB
);

-- A classifier version's prediction per image (suggestions on the Label screen, the
-- misclassified gallery). Deleting the image or the model version drops its rows.
CREATE TABLE predictions (
  image_id           INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  model_version      INTEGER NOT NULL REFERENCES models(version) ON DELETE CASCADE,
  class_name         TEXT    NOT NULL,
  confidence         REAL    NOT NULL,
  probabilities_json TEXT    NOT NULL,
  created_at         TEXT    NOT NULL,
  PRIMARY KEY (image_id, model_version)
);
CREATE INDEX predictions_model ON predictions(model_version, image_id);

CREATE TABLE checkpoints (
  id         INTEGER PRIMARY KEY,
  run_id     INTEGER NOT NULL REFERENCES training_runs(id) ON DELETE CASCADE,
  epoch      INTEGER NOT NULL,
  step       INTEGER NOT NULL,
  state_json TEXT    NOT NULL,
  weights    BLOB    NOT NULL,
  optimizer  BLOB,
  created_at TEXT    NOT NULL
);
CREATE INDEX checkpoints_run ON checkpoints(run_id, id);

-- Keyed by content hash, not image id, so cached features survive delete + re-import.
CREATE TABLE embedding_cache (
  sha256       TEXT    NOT NULL,
  backbone_key TEXT    NOT NULL,
  dims         INTEGER NOT NULL,
  vector       BLOB    NOT NULL,
  created_at   TEXT    NOT NULL,
  PRIMARY KEY (sha256, backbone_key)
);

CREATE TABLE settings (
  key        TEXT PRIMARY KEY,
  value_json TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
`
} as const
