// Verity receipt verifier, in the browser. Uses only ethers (bundled from the project's pinned npm install)
// and the explorer's /api/receipts/{id}/context for the batch it indexed. Checks, as docs/protocol.md says:
// format, the EIP-712 digest (receipt id), the signature recovering the node, the chain's Verity domain,
// inclusion in a batch committed on chain (Merkle proof to the root from the BatchCommitted event), and the
// attestation digest against the one the node registered. Each check is shown as passed or failed.
(function () {
  'use strict';
  const E = window.ethers;
  const TYPES = { Receipt: [
    { name: 'version', type: 'uint16' }, { name: 'requestId', type: 'bytes32' }, { name: 'modelDigest', type: 'bytes32' },
    { name: 'engine', type: 'string' }, { name: 'inputsDigest', type: 'bytes32' }, { name: 'outputsDigest', type: 'bytes32' },
    { name: 'traceRoot', type: 'bytes32' }, { name: 'node', type: 'address' }, { name: 'attestationDigest', type: 'bytes32' },
    { name: 'verification', type: 'uint8' }, { name: 'price', type: 'uint256' }, { name: 'timestamp', type: 'uint64' } ] };
  // Receipt v2 (docs/receipts.md) nests Receipt; its model names and provider are signed as keccak256 of their UTF-8.
  const TYPES_V2 = { Receipt: TYPES.Receipt, ReceiptV2: [
    { name: 'receipt', type: 'Receipt' }, { name: 'requestedModel', type: 'bytes32' }, { name: 'servedModel', type: 'bytes32' },
    { name: 'provider', type: 'bytes32' }, { name: 'promptTokens', type: 'uint64' }, { name: 'completionTokens', type: 'uint64' },
    { name: 'payer', type: 'address' }, { name: 'cumulativeAmount', type: 'uint256' }, { name: 'prevReceipt', type: 'bytes32' },
    { name: 'attachmentsDigest', type: 'bytes32' } ] };
  const V2_FIELDS = ['requestedModel', 'servedModel', 'provider', 'promptTokens', 'completionTokens', 'payer',
    'cumulativeAmount', 'prevReceipt', 'attachmentsDigest'];
  const MODES = ['none', 'tee', 'redundant', 'sample', 'optimistic'];
  const ZERO = '0x' + '0'.repeat(64);
  const SECP256K1_N = BigInt('0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141');

  /** The receipts in a pasted document: a receipt, a node answer {outputs, receipt}, or a gateway answer {receipts}. */
  function receiptsOf(doc) {
    if (doc && typeof doc === 'object' && doc.receipt) return [doc.receipt];
    if (doc && typeof doc === 'object' && Array.isArray(doc.receipts)) return doc.receipts;
    return [doc];
  }

  function typedValue(r) {
    const mode = MODES.indexOf(r.verification);
    if (mode < 0) throw new Error('verification must be one of ' + MODES.join(', ') + ', got ' + JSON.stringify(r.verification));
    const v1 = { version: r.version, requestId: r.requestId, modelDigest: r.modelDigest, engine: r.engine,
      inputsDigest: r.inputsDigest, outputsDigest: r.outputsDigest, traceRoot: r.traceRoot, node: r.node,
      attestationDigest: r.attestationDigest, verification: mode, price: BigInt(r.price), timestamp: BigInt(r.timestamp) };
    if (r.version !== 2) return v1;
    const text = s => E.keccak256(E.toUtf8Bytes(s));
    return { receipt: v1, requestedModel: text(r.requestedModel), servedModel: text(r.servedModel), provider: text(r.provider),
      promptTokens: BigInt(r.promptTokens), completionTokens: BigInt(r.completionTokens), payer: r.payer,
      cumulativeAmount: BigInt(r.cumulativeAmount), prevReceipt: r.prevReceipt, attachmentsDigest: r.attachmentsDigest };
  }

  function typesOf(r) { return r.version === 2 ? TYPES_V2 : TYPES; }

  function leafHash(id) { return E.keccak256(E.keccak256(id)); }

  function processProof(leaf, proof) {
    let h = leaf;
    for (const p of proof) {
      const [a, b] = [h.toLowerCase(), p.toLowerCase()].sort();
      h = E.keccak256(E.concat([a, b]));
    }
    return h;
  }

  /** Runs every check on one receipt; returns [{step, ok, detail}]. Never throws. */
  async function verifyReceipt(r, chain) {
    const steps = [];
    const add = (step, ok, detail) => steps.push({ step, ok, detail });
    let value, domain, id;
    try {
      if (!r || typeof r !== 'object') throw new Error('not a JSON object');
      for (const f of ['version', 'requestId', 'modelDigest', 'engine', 'inputsDigest', 'outputsDigest', 'traceRoot', 'node',
        'attestationDigest', 'verification', 'price', 'timestamp', 'domain', 'signature']) {
        if (r[f] === undefined || r[f] === null) throw new Error('missing field /' + f);
      }
      if (r.version !== 1 && r.version !== 2) throw new Error('/version must be 1 or 2, got ' + r.version);
      if (r.version === 2) for (const f of V2_FIELDS) if (r[f] === undefined || r[f] === null) throw new Error('missing field /' + f);
      value = typedValue(r);
      domain = { name: r.domain.name, version: r.domain.version, chainId: r.domain.chainId, verifyingContract: r.domain.verifyingContract };
      add('format', true, 'receipt version ' + r.version + ', verification ' + r.verification + (r.version === 2
        ? ', asked for ' + JSON.stringify(r.requestedModel) + ', served by ' + JSON.stringify(r.servedModel)
          + (r.provider ? ' at ' + r.provider : '') + ', ' + r.promptTokens + ' + ' + r.completionTokens + ' tokens' : ''));
    } catch (e) {
      add('format', false, e.message);
      return steps;
    }
    try {
      id = E.TypedDataEncoder.hash(domain, typesOf(r), value);
      if (r.id && r.id.toLowerCase() !== id.toLowerCase()) add('digest', false, 'the fields hash to ' + id + ', not to the id ' + r.id + ': a signed field was changed');
      else add('digest', true, 'EIP-712 digest (receipt id) ' + id);
    } catch (e) {
      add('digest', false, 'cannot hash the receipt: ' + e.message);
      return steps;
    }
    try {
      const sig = E.Signature.from(r.signature);
      if (BigInt(sig.s) * 2n > SECP256K1_N) throw new Error('high s (EIP-2) is refused');
      const signer = E.verifyTypedData(domain, typesOf(r), value, r.signature);
      if (signer.toLowerCase() === String(r.node).toLowerCase()) add('signature', true, 'recovers the node ' + signer);
      else add('signature', false, 'recovers ' + signer + ', not the node ' + r.node);
    } catch (e) {
      add('signature', false, 'malformed signature: ' + e.message);
    }
    const domainOk = Number(r.domain.chainId) === chain.chainId && r.domain.name === 'Verity' && r.domain.version === '1'
      && String(r.domain.verifyingContract).toLowerCase() === chain.settlement.toLowerCase();
    add('domain', domainOk, domainOk ? 'this chain (' + chain.chainId + ') and its Settlement contract'
      : 'signed for chain ' + r.domain.chainId + ' / ' + r.domain.verifyingContract + ', not this network (' + chain.chainId + ' / ' + chain.settlement + ')');
    let ctx = null;
    try {
      const res = await fetch('/api/receipts/' + id + '/context', { headers: { Accept: 'application/json' } });
      if (res.status === 200) ctx = await res.json();
      else add('inclusion', false, res.status === 404 ? 'in no batch committed on chain (so far)' : 'explorer answered HTTP ' + res.status);
    } catch (e) {
      add('inclusion', false, 'explorer unreachable: ' + e.message);
    }
    if (ctx) {
      const root = processProof(leafHash(id), ctx.proof);
      const sameNode = ctx.batch.node.toLowerCase() === String(r.node).toLowerCase();
      if (root.toLowerCase() === ctx.batch.root.toLowerCase() && sameNode) {
        add('inclusion', true, 'in batch ' + ctx.batch.batchId + ' committed by the node in block ' + ctx.batch.block + ' (proof of ' + ctx.proof.length + ')');
      } else {
        add('inclusion', false, sameNode ? 'the proof leads to ' + root + ', not the committed root ' + ctx.batch.root : 'batch committed by another node');
      }
    }
    if (r.attestationDigest.toLowerCase() === ZERO) {
      add('attestation', true, 'no TEE evidence claimed (digest zero)');
    } else if (ctx && ctx.registeredAttestation) {
      const ok = ctx.registeredAttestation.toLowerCase() === r.attestationDigest.toLowerCase();
      add('attestation', ok, ok ? 'matches the evidence the node registered' : 'differs from the registered ' + ctx.registeredAttestation);
    } else {
      add('attestation', false, 'claims TEE evidence ' + r.attestationDigest + ' the explorer cannot match to a registration');
    }
    return steps;
  }

  function render(results, list, verdict) {
    list.innerHTML = '';
    let all = results.length > 0;
    results.forEach((steps, i) => steps.forEach(s => {
      const li = document.createElement('li');
      li.dataset.step = s.step;
      li.dataset.ok = String(s.ok);
      li.className = s.ok ? 'ok' : 'bad';
      li.textContent = (results.length > 1 ? 'receipt ' + (i + 1) + ': ' : '') + s.step + ': ' + (s.ok ? 'passed' : 'FAILED') + ' (' + s.detail + ')';
      list.appendChild(li);
      all = all && s.ok;
    }));
    verdict.dataset.ok = String(all);
    verdict.className = 'verdict ' + (all ? 'ok' : 'bad');
    verdict.textContent = all ? 'VERIFIED: every check passed' : 'REJECTED: a check failed';
  }

  async function verifyInto(doc, list, verdict) {
    const results = [];
    for (const r of receiptsOf(doc)) results.push(await verifyReceipt(r, chainOf()));
    render(results, list, verdict);
  }

  function wirePaste(textarea, drop, button, list, verdict) {
    const run = () => {
      let doc;
      try {
        doc = JSON.parse(textarea.value);
      } catch (e) {
        render([[{ step: 'format', ok: false, detail: 'not JSON: ' + e.message }]], list, verdict);
        return;
      }
      verifyInto(doc, list, verdict);
    };
    button.addEventListener('click', run);
    drop.addEventListener('dragover', e => { e.preventDefault(); drop.classList.add('over'); });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', async e => {
      e.preventDefault();
      drop.classList.remove('over');
      const file = e.dataTransfer.files[0];
      if (file) { textarea.value = await file.text(); run(); }
    });
  }

  /** The network the page is about: the JSON data block #verity-chain the explorer renders ({chainId, settlement}). */
  let network = null;
  function chainOf() {
    if (!network) network = JSON.parse(document.getElementById('verity-chain').textContent);
    return network;
  }

  // The pages carry no inline script (the explorer's Content-Security-Policy forbids it): this file starts
  // the verifier on whichever of its elements the page has.
  function boot() {
    const $ = id => document.getElementById(id);
    if ($('receipt-json')) verifyInto(JSON.parse($('receipt-json').textContent), $('steps'), $('verdict'));
    if ($('paste')) wirePaste($('paste'), $('drop'), $('run'), $('steps'), $('verdict'));
  }

  window.Verity = { verifyReceipt, verifyInto, wirePaste, leafHash, processProof };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot); else boot();
})();
