import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CACHE_PREFIX, type ReportWindow } from './settings';

/** A cache file of the report's reader: `<window start>_<window end>-<hash>.ndjson`. */
const CACHE_FILE = /^(\d{4}-\d{2}-\d{2})_(\d{4}-\d{2}-\d{2})-[0-9a-f]+\.ndjson$/;

/**
 * The report's cache of closed months is a directory of files; in Lambda only `/tmp` is writable and it does not
 * outlive the execution environment. So the directory is filled from the bucket's `cache/` prefix before the read
 * and what the read added is copied back after, one object per file.
 */
export class S3CacheMirror {
  private readonly downloaded = new Set<string>();

  /**
   * @param s3 the client
   * @param bucket the bucket of the cache
   * @param dir the local directory the reader uses as its cache
   */
  constructor(private readonly s3: S3Client, private readonly bucket: string, private readonly dir: string) {}

  /**
   * Copies the cached months that lie within `window` into the directory; months outside it are not needed by
   * this run and are left in the bucket. Returns how many files were copied.
   */
  public async download(window: ReportWindow): Promise<number> {
    await fs.mkdir(this.dir, { recursive: true });
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: CACHE_PREFIX, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        const name = object.Key?.slice(CACHE_PREFIX.length) ?? '';
        const match = CACHE_FILE.exec(name);
        if (!match || match[1] < window.start || match[2] > window.end) {
          continue;
        }
        const answer = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: object.Key }));
        const body = await answer.Body!.transformToByteArray();
        await fs.writeFile(path.join(this.dir, name), body);
        this.downloaded.add(name);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return this.downloaded.size;
  }

  /** Copies the files the read added (closed months fetched this run) to the bucket. Returns their keys. */
  public async upload(): Promise<string[]> {
    const keys: string[] = [];
    for (const name of (await fs.readdir(this.dir)).sort()) {
      // Files the reader is still writing end in `.tmp`; only a complete month is renamed to its final name.
      if (!CACHE_FILE.test(name) || this.downloaded.has(name)) {
        continue;
      }
      const key = `${CACHE_PREFIX}${name}`;
      await this.s3.send(new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: await fs.readFile(path.join(this.dir, name)),
        ContentType: 'application/x-ndjson',
      }));
      keys.push(key);
    }
    return keys;
  }
}
