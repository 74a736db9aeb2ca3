// The icon a client shows beside the server's name (serverInfo.icons): a small SVG of a DNA
// helix, as a data: URI so it needs no file served and works over stdio.
import type { Icon } from '@modelcontextprotocol/sdk/types.js';

const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">' +
  '<rect width="64" height="64" rx="12" fill="#0f766e"/>' +
  '<path d="M20 8c0 16 24 16 24 32s-24 16-24 16M44 8c0 16-24 16-24 32s24 16 24 16" fill="none" stroke="#fff" stroke-width="4" stroke-linecap="round"/>' +
  '<path d="M24 16h16M22 28h20M22 36h20M24 48h16" stroke="#99f6e4" stroke-width="3" stroke-linecap="round"/>' +
  '</svg>';

export const SERVER_ICONS: Icon[] = [{ src: `data:image/svg+xml;base64,${Buffer.from(SVG).toString('base64')}`, mimeType: 'image/svg+xml', sizes: ['any'] }];
