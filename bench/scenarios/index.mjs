// The report's scenarios, in order. Each is { id, title, run(ctx) → rows }, see README.md.
// To add rows, write a module next to these and list it here.
import download from './download.mjs';
import driveChildren from './drive-children.mjs';
import driveCopy from './drive-copy.mjs';
import driveDelete from './drive-delete.mjs';
import driveDescendants from './drive-descendants.mjs';
import driveInfo from './drive-info.mjs';
import mediaList from './media-list.mjs';
import mediaThumb from './media-thumb.mjs';
import rss from './rss.mjs';
import scaleMixed from './scale-mixed.mjs';
import slicedUpload from './sliced-upload.mjs';
import smallGet from './small-get.mjs';
import socialData from './social-data.mjs';
import socialGc from './social-gc.mjs';
import tcUpload from './tc-upload.mjs';
import thumbnail from './thumbnail.mjs';
import tusUpload from './tus-upload.mjs';
import upload from './upload.mjs';

export const scenarios = [upload, download, smallGet, rss, thumbnail, driveChildren, driveDescendants, driveInfo, driveCopy, driveDelete, mediaList, mediaThumb, slicedUpload, scaleMixed, socialData, socialGc, tcUpload, tusUpload];
