import fs from 'node:fs';
import { descendants } from './memory.js';

/**
 * Who is on the other end of a loopback TCP connection (Linux): the connection's socket inode from
 * /proc/net/tcp, then the process holding that socket among the candidates' open files. A Runtime API
 * answers only its own execution environment's process tree this way, whatever port number another
 * process finds by scanning.
 */

const hexPort = (port: number): string => port.toString(16).toUpperCase().padStart(4, '0');

/** The inode of the socket connected from 127.0.0.1:`clientPort` to 127.0.0.1:`serverPort`, if any. */
export function loopbackSocketInode(clientPort: number, serverPort: number): string | undefined {
  let table: string;
  try {
    table = fs.readFileSync('/proc/net/tcp', 'latin1');
  } catch {
    return undefined;
  }
  // A row: "  sl  local_address rem_address   st tx_queue:rx_queue tr:tm->when retrnsmt   uid  timeout inode"
  const needle = `0100007F:${hexPort(clientPort)} 0100007F:${hexPort(serverPort)} `;
  const at = table.indexOf(needle);
  if (at < 0) return undefined;
  const fields = table.slice(at, table.indexOf('\n', at)).trim().split(/\s+/);
  return fields[8];
}

/** Whether the process `root` or one of its descendants holds the socket with this inode. */
export function heldByTree(root: number, inode: string): boolean {
  const link = `socket:[${inode}]`;
  for (const pid of [root, ...descendants(root)]) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === link) return true;
      } catch {
        // closed while we looked
      }
    }
  }
  return false;
}
