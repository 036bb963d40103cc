// End-to-end check of the explorer in real headless Chromium (Debian's /usr/bin/chromium, driven by npm
// playwright-core). Run by ExplorerBrowserIT:
//   node explorer-e2e.mjs BASE_URL VALID_ANSWER.json TAMPERED_RECEIPT.json SCREENSHOT_DIR
// Env: PLAYWRIGHT_CORE_DIR (a node_modules holding playwright-core), CHROMIUM (browser binary).
// Prints one line per step and exits non-zero on the first failure.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const [base, validFile, tamperedFile, shots] = process.argv.slice(2);
const require = createRequire(path.join(process.env.PLAYWRIGHT_CORE_DIR, 'noop.js'));
const { chromium } = require('playwright-core');

function check(cond, what) {
  if (!cond) throw new Error('FAILED: ' + what);
  console.log('ok: ' + what);
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  // A Content-Security-Policy violation (an inline script or a blocked load) is reported on the console.
  // Other console errors (the browser's own /favicon.ico 404) are printed, not failures.
  page.on('console', m => {
    if (m.type() !== 'error') return;
    const line = 'console: ' + m.text() + ' (' + (m.location().url || '?') + ')';
    if (/Content Security Policy|CSP violation/.test(m.text())) errors.push(line); else console.log(line);
  });
  await page.addInitScript(() => document.addEventListener('securitypolicyviolation',
    e => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI)));
  // Nothing may leave the machine: the pages must work offline.
  await page.route('**/*', route => {
    const u = new URL(route.request().url());
    if (u.hostname === '127.0.0.1' || u.hostname === 'localhost') return route.continue();
    errors.push('external request to ' + u.href);
    return route.abort();
  });

  // 1. Overview of the running network.
  await page.goto(base + '/');
  const rows = await page.locator('#nodes tr.node').count();
  check(rows === 3, 'overview lists the 3 nodes (saw ' + rows + ')');
  const overview = await page.locator('#nodes').innerText();
  check(/up/.test(overview) && / ms/.test(overview), 'overview shows availability and latency from the gateway');
  check(await page.locator('#models tr').count() >= 2, 'overview lists the models');
  await page.screenshot({ path: path.join(shots, '1-overview.png'), fullPage: true });

  // 2. Follow a node.
  await page.locator('#nodes tr.node a').first().click();
  await page.waitForSelector('#history');
  check((await page.locator('h1').innerText()).startsWith('Node 0x'), 'node page opens');
  check(await page.locator('#chart rect').count() >= 1, 'node page charts its batches over time');
  const history = await page.locator('#history').innerText();
  check(/audits passed/.test(history) && /slashes/.test(history), 'node page shows its verification history');
  await page.screenshot({ path: path.join(shots, '2-node.png'), fullPage: true });

  // 3. Open one of its receipts and see it verified in the browser.
  await page.locator('table.receipts a').first().click();
  await page.waitForSelector('#verdict[data-ok]');
  const steps = await page.locator('#steps li').evaluateAll(lis => lis.map(li => li.dataset.step + '=' + li.dataset.ok));
  console.log('receipt steps: ' + steps.join(' '));
  for (const s of ['format', 'digest', 'signature', 'domain', 'inclusion', 'attestation']) {
    check(steps.includes(s + '=true'), 'receipt page: ' + s + ' passed');
  }
  check(await page.locator('#verdict').getAttribute('data-ok') === 'true', 'receipt page says VERIFIED');
  await page.screenshot({ path: path.join(shots, '3-receipt.png'), fullPage: true });

  // 4. Paste the gateway's whole answer: every receipt in it verifies.
  await page.goto(base + '/verify');
  await page.fill('#paste', readFileSync(validFile, 'utf8'));
  await page.click('#run');
  await page.waitForSelector('#verdict[data-ok]');
  check(await page.locator('#verdict').getAttribute('data-ok') === 'true', 'pasted gateway answer verifies');

  // 5. Paste a tampered receipt: rejected, naming the failed checks.
  await page.fill('#paste', readFileSync(tamperedFile, 'utf8'));
  await page.click('#run');
  await page.waitForSelector('#verdict[data-ok="false"]');
  const bad = await page.locator('#steps li[data-ok="false"]').evaluateAll(lis => lis.map(li => li.dataset.step));
  console.log('tampered receipt failed: ' + bad.join(' '));
  check(bad.includes('digest') && bad.includes('signature'), 'tampered receipt fails digest and signature');
  check((await page.locator('#verdict').innerText()).startsWith('REJECTED'), 'tampered receipt is REJECTED');
  await page.screenshot({ path: path.join(shots, '4-tampered.png'), fullPage: true });

  // 6. Search by a request id lands on its receipts.
  const answer = JSON.parse(readFileSync(validFile, 'utf8'));
  await page.goto(base + '/');
  await page.fill('#q', answer.requestId);
  await page.press('#q', 'Enter');
  await page.waitForLoadState();
  const hits = await page.locator('#hits li').count();
  check(hits === answer.receipts.length, 'search by request id finds its ' + answer.receipts.length + ' receipts (saw ' + hits + ')');
  await page.screenshot({ path: path.join(shots, '5-search.png'), fullPage: true });

  // 7. The pages are served with the strict CSP the explorer promises (and it broke nothing above).
  const res = await page.goto(base + '/verify');
  const csp = (await res.allHeaders())['content-security-policy'] || '';
  check(csp.includes("script-src 'self'") && !csp.includes('unsafe-inline'), 'pages carry a CSP without unsafe-inline: ' + csp);

  // 8. The public record of outcomes, from the header link: every node has a row; what no source records says so.
  await page.goto(base + '/');
  await page.click('header a[href="/outcomes"]');
  await page.waitForSelector('#outcome-nodes');
  check(await page.locator('#outcome-nodes tr').count() === rows + 1, 'outcomes list every node');
  check((await page.locator('#outcome-models').innerText()).includes('not recorded yet'), 'outcomes say what is not recorded yet');
  await page.screenshot({ path: path.join(shots, '6-outcomes.png'), fullPage: true });

  check(errors.length === 0, 'no page errors, no CSP violation and no request left the machine ' + JSON.stringify(errors));
} finally {
  await browser.close();
}
