/**
 * History migration 2: the line outputs' outbox (MQTT), see ../line-outbox-repo.ts.
 * Shipped: never edited (tests/unit/store/shipped-migrations.test.ts checks its SHA-256).
 */
export const historyMigration0002 = {
  version: 2,
  name: 'line-outbox',
  sql: `CREATE TABLE line_outbox (
     id INTEGER PRIMARY KEY, target TEXT NOT NULL, topic TEXT NOT NULL, body TEXT NOT NULL,
     qos INTEGER NOT NULL CHECK (qos IN (0, 1)), attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, created_ms INTEGER NOT NULL
   );
   CREATE INDEX line_outbox_target ON line_outbox(target, id);`
}
