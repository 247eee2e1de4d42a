// The baseline: a bare Express "hello", as fast as Express gets. Each bench figure is a ratio to it.
const express = require('express');

const app = express();
app.get('/', (_req, res) => {
  res.send('hello');
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
