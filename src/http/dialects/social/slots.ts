import type { SlotSpec } from '../../../core/index.js';
import { GENERIC_MAX_BYTES } from './files.js';

/** The social app's slots and their image rules (docs/social.md). */
export const AVATAR: SlotSpec = { name: 'avatar', rule: { formats: ['jpeg'], width: 500, height: 500 }, maxBytes: GENERIC_MAX_BYTES };
export const NAME_CARD_COVER: SlotSpec = { name: 'name_card_cover', rule: { formats: ['jpeg'] }, maxBytes: GENERIC_MAX_BYTES };
/** "图片大小需小于4MB": at most 4 MiB − 1 byte. */
export const PHOTO_MAX_BYTES = 4 * 1024 * 1024 - 1;
export const namecardPhoto = (position: number): SlotSpec => ({ name: `name_card_photo/${position}`, rule: {}, maxBytes: PHOTO_MAX_BYTES });
export const ROOM_COVER: SlotSpec = { name: 'cover_image', rule: {}, maxBytes: GENERIC_MAX_BYTES, spaceKinds: ['chat_room'] };
