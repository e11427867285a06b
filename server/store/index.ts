export { openDatabase, type Db, type Migration } from './database.js';
