// s3rver 3.7.1 acknowledges a PUT (and a multipart part) when the bytes have
// passed its MD5 transform, before its file write stream has finished: a HEAD
// or GET right after the PUT can then see an empty or short object (seen here
// under AddressSanitizer's slower runs). S3 itself is read-after-write
// consistent, so the tests need that too. This makes s3rver answer once the
// file is written. Run by scripts/bootstrap.sh after `npm ci`; idempotent;
// fails loudly when the code it expects is not there.
'use strict';
const fs = require('fs');
const path = require('path');

const file = path.join(__dirname, 'node_modules', 's3rver', 'lib', 'stores', 'filesystem.js');
let text = fs.readFileSync(file, 'utf8');
const marker = '/* lakehouse: resolve after the write stream finished */';
if (text.includes(marker)) process.exit(0);

const replacements = [
  [
    `        writeStream.end(object.content);
        md5Context.update(object.content);
        resolve([object.content.length, md5Context.digest('hex')]);`,
    `        md5Context.update(object.content);
        writeStream.on('error', reject);
        writeStream.end(object.content, () => resolve([object.content.length, md5Context.digest('hex')]));`,
  ],
  [
    `          .on('error', reject)
          .on('finish', () => resolve([totalLength, md5Context.digest('hex')]))
          .pipe(writeStream);`,
    `          .on('error', reject)
          .pipe(writeStream)
          .on('error', reject)
          .on('finish', () => resolve([totalLength, md5Context.digest('hex')]));`,
  ],
  [
    `        .on('error', reject)
        .on('finish', () => {
          resolve([totalLength, md5Context.digest('hex')]);
        })
        .pipe(writeStream);`,
    `        .on('error', reject)
        .pipe(writeStream)
        .on('error', reject)
        .on('finish', () => {
          resolve([totalLength, md5Context.digest('hex')]);
        });`,
  ],
];
for (const [from, to] of replacements) {
  if (!text.includes(from)) {
    console.error(`patch-s3rver: expected code not found in ${file}:\n${from}`);
    process.exit(1);
  }
  text = text.replace(from, to);
}
fs.writeFileSync(file, `${marker}\n${text}`);
