// The report's scenarios, in order. Each is { id, title, run(ctx) → rows }, see README.md.
// To add rows, write a module next to these and list it here.
import download from './download.mjs';
import rss from './rss.mjs';
import smallGet from './small-get.mjs';
import thumbnail from './thumbnail.mjs';
import upload from './upload.mjs';

export const scenarios = [upload, download, smallGet, rss, thumbnail];
