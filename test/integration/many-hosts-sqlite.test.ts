import { tempPair } from '../stores/sqlite-support.js';
import { describeManyHosts } from './many-hosts.js';

// Two host processes on one machine may share one SQLite file (WAL); many machines need PostgreSQL.
describeManyHosts('SQLite', tempPair);
