export { openDatabase, type Db, type Migration } from './database.js';
export { backupDataDir, restoreDataDir, BackupError, type BackupManifest } from './backup.js';
