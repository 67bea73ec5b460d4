/**
 * History migration 1: inspections and their kept images, incidents, the hot folder's
 * memory, the webhook outbox and the meta counters. Shipped: never edited (its SHA-256 is
 * checked by tests/unit/store/shipped-migrations.test.ts); change the schema by adding the
 * next number. The SQL is byte for byte the text the first history files were made with.
 */
export const historyMigration0001 = {
  version: 1,
  name: 'initial',
  sql: `CREATE TABLE inspections (
     id INTEGER PRIMARY KEY,
     time TEXT NOT NULL,
     time_ms INTEGER NOT NULL,
     source TEXT NOT NULL,
     file TEXT,
     part_id TEXT NOT NULL,
     actor TEXT NOT NULL,
     model_version INTEGER,
     anomaly_model_version INTEGER,
     verdict TEXT NOT NULL CHECK (verdict IN ('PASS','FAIL','NO_VERDICT')),
     class TEXT,
     confidence REAL,
     scores TEXT NOT NULL,
     threshold REAL NOT NULL,
     region TEXT,
     latency_ms REAL NOT NULL,
     reason TEXT,
     override_verdict TEXT,
     override_class TEXT,
     override_actor TEXT,
     override_time TEXT
   );
   CREATE INDEX inspections_time ON inspections(time_ms);
   CREATE INDEX inspections_verdict ON inspections(verdict, time_ms);
   CREATE INDEX inspections_model ON inspections(model_version, time_ms);
   CREATE TABLE inspection_images (
     inspection_id INTEGER PRIMARY KEY REFERENCES inspections(id) ON DELETE CASCADE,
     mime TEXT NOT NULL,
     bytes BLOB NOT NULL,
     size INTEGER NOT NULL,
     sha256 TEXT NOT NULL,
     verdict TEXT NOT NULL,
     time_ms INTEGER NOT NULL
   );
   CREATE INDEX inspection_images_age ON inspection_images(time_ms);
   CREATE TABLE incidents (id INTEGER PRIMARY KEY, time TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL);
   CREATE TABLE hot_folder_seen (
     path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ms INTEGER NOT NULL, sha256 TEXT NOT NULL,
     inspection_id INTEGER, time TEXT NOT NULL
   );
   CREATE TABLE webhook_outbox (
     id INTEGER PRIMARY KEY, url TEXT NOT NULL, body TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_ms INTEGER NOT NULL, last_error TEXT, created_ms INTEGER NOT NULL
   );
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`
}
