/**
 * `pnpm hash-password`: prints the `passwordHash` for an accounts file entry, so the file need not
 * hold the password itself. Reads the password from the terminal (not echoed) or from stdin
 * (`printf %s "$PASSWORD" | pnpm -s hash-password`), never from the command line, where it would
 * stay in the shell's history and the process list.
 */
import { hashPassword } from '../auth/passwords.ts';

/** Same bound as `password` in the accounts file. */
const MIN_LENGTH = 8;

function fromTerminal(): Promise<string> {
  return new Promise((resolve, reject) => {
    process.stderr.write('Password: ');
    const stdin = process.stdin;
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    let typed = '';
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          stdin.setRawMode(false);
          stdin.off('data', onData);
          stdin.pause();
          process.stderr.write('\n');
          resolve(typed);
          return;
        }
        if (ch === '\u0003') {
          stdin.setRawMode(false);
          reject(new Error('cancelled'));
          return;
        }
        typed = ch === '\u007f' || ch === '\b' ? typed.slice(0, -1) : typed + ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function fromPipe(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.replace(/\r?\n$/, '');
}

const password = process.stdin.isTTY ? await fromTerminal() : await fromPipe();
if ([...password].length < MIN_LENGTH) {
  process.stderr.write(`a password needs at least ${MIN_LENGTH} characters\n`);
  process.exit(1);
}
process.stdout.write(`${await hashPassword(password)}\n`);
