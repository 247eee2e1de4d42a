// Worker thread of mint-tokens.ts. Plain CommonJS on the built common workspace, so it needs no loader.
const { createPrivateKey } = require('node:crypto');
const { parentPort, workerData } = require('node:worker_threads');
const { createAdmissionTokenSigner } = require('@flashsale/common');

const { privatePem, saleId, prefix, from, to } = workerData;
const signer = createAdmissionTokenSigner(createPrivateKey(privatePem), saleId, 3600);
const now = Date.now();
const tokens = [];
for (let i = from; i < to; i += 1) tokens.push(signer.sign(`${prefix}-${i}`, now).token);
parentPort.postMessage(tokens);
