// Starts cors-anywhere (the comparison anchor) on 127.0.0.1:<port>, configured as openly as its
// README's examples: no origin whitelist, no required headers.
'use strict';
const path = require('path');
const corsAnywhere = require(path.resolve(__dirname, '../../../node_modules/cors-anywhere'));
const port = Number(process.argv[2] || 18183);
corsAnywhere
  .createServer({ originWhitelist: [], requireHeader: [], removeHeaders: ['cookie', 'cookie2'] })
  .listen(port, '127.0.0.1', () => console.error(`cors-anywhere on 127.0.0.1:${port}`));
