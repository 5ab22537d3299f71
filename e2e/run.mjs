// Browser tests: Debian's Chromium, driven by playwright-core, against `pillar serve --demo`
// started by scripts/e2e.sh (PILLAR_E2E_URL). Personas of three nations sign in; we check what
// each sees and does not see, the banner of a page mixing labels, the Korean interface, a form
// post without its CSRF token, and a session that is no longer valid.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const BASE = process.env.PILLAR_E2E_URL ?? 'http://127.0.0.1:8080';
const PASSWORD = 'pillar-demo';
let browser;

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    // launch() gives every run a fresh, empty profile of its own.
  });
});

after(async () => { await browser?.close(); });

// Every error a page logs or throws fails the test that opened it: errors are collected per
// context and checked when the context closes. A document answering 404 or 403 on purpose (the
// tests ask for hidden objects) is not an error of the page.
function watch(page, errors) {
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (m.text().startsWith('Failed to load resource') && m.location().url === page.url()) return;
    errors.push(`console: ${m.text()} (${m.location().url})`);
  });
}

async function signIn(user) {
  const context = await browser.newContext();
  const errors = [];
  const close = context.close.bind(context);
  context.close = async () => {
    assert.deepEqual(errors, [], `${user}: errors in the browser`);
    await close();
  };
  const page = await context.newPage();
  watch(page, errors);
  await page.goto(`${BASE}/login?lang=en`);
  await page.fill('input[name=user]', user);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('button');
  await page.waitForURL(`${BASE}/`);
  return { context, page, errors };
}

async function listed(page) {
  // A row's first link names it (later cells may link parties and areas).
  return page.$$eval('main tbody tr', (rows) => rows.map((r) => r.querySelector('a'))
    .filter((a) => a).map((a) => a.getAttribute('href').split('/').pop()).sort());
}

const UNCLASSIFIED = ['gsa-demo', 'mou-cyber-expired', 'mou-us-kor-dst'];

// The demo agreements' titles: the text a leak would show.
const TITLES = Object.fromEntries(JSON.parse(readFileSync(
  new URL('../crates/store/data/demo/agreements.json', import.meta.url), 'utf8',
)).map((a) => [a.id, a.title]));

test('each nation sees what is released to it, and nothing else', async () => {
  // Positive control: the secretariat, cleared for all of them, sees every title the check
  // below looks for.
  const us = await signIn('us-secretariat');
  await us.page.goto(`${BASE}/agreements`);
  const all = await us.page.content();
  for (const [id, title] of Object.entries(TITLES)) {
    assert.ok(all.includes(title), `control: ${id} "${title}" not on the secretariat's list`);
  }
  await us.context.close();
  const expected = {
    'jp-observer': [...UNCLASSIFIED, 'pa-hypersonic-draft'],
    'au-liaison': [...UNCLASSIFIED, 'iea-undersea', 'pa-hypersonic-draft', 'pa-quantum-pnt'],
    'kr-pm': [...UNCLASSIFIED, 'iea-us-kor-ew', 'pa-quantum-pnt'],
  };
  for (const [user, ids] of Object.entries(expected)) {
    const { context, page } = await signIn(user);
    // Signing in lands on the Pillar-2 readiness view, with its workstream × nation matrix.
    assert.ok(await page.$('table.matrix'), `${user}: no readiness matrix on the front page`);
    await page.goto(`${BASE}/agreements`);
    assert.deepEqual(await listed(page), [...ids].sort(), user);
    const hidden = Object.keys(TITLES).filter((i) => !ids.includes(i));
    assert.ok(hidden.length > 0, user);
    const list = await page.content();
    for (const id of hidden) {
      assert.ok(!list.includes(TITLES[id]), `${user}: the list shows hidden ${id}`);
      const res = await page.goto(`${BASE}/agreements/${id}`);
      assert.equal(res.status(), 404, `${user} ${id}`);
      const body = await page.content();
      assert.ok(!body.includes(TITLES[id]) && !body.includes(id), `${user}: ${id} leaks on its 404`);
    }
    await context.close();
  }
});

test('the banner shows the dominant label of the page', async () => {
  const { context, page } = await signIn('au-liaison');
  await page.goto(`${BASE}/agreements/iea-undersea`);
  assert.equal((await page.textContent('.banner')).trim(), 'SECRET//REL TO AUKUS');
  await page.goto(`${BASE}/agreements/pa-quantum-pnt`);
  // The agreement is CONFIDENTIAL//REL TO USA, AUS, KOR; its page also names the project it
  // governs (quantum-010, CONFIDENTIAL//REL TO AUS, USA), so the banner covers both.
  assert.equal((await page.textContent('.banner')).trim(), 'CONFIDENTIAL//REL TO USA, AUS');
  assert.ok(await page.$('a[href="/projects/quantum-010"]'));
  // A page mixing labels: the dominant rule drops Releasable To (absent from the unclassified
  // rows) and needs a policy decision; the banner shows the most restrictive reading instead,
  // REL TO AUKUS beside REL TO USA, AUS, KOR read as the nations both allow.
  await page.goto(`${BASE}/agreements`);
  assert.equal((await page.textContent('.banner')).trim(), 'SECRET//REL TO USA, AUS');
  // The banner is coloured from the SPIF (SECRET is red), through a style sheet.
  const colour = await page.$eval('.banner', (b) => getComputedStyle(b).backgroundColor);
  assert.equal(colour, 'rgb(200, 16, 46)');
  await context.close();
});

test('switching to Korean changes the interface and the markings', async () => {
  const { context, page } = await signIn('au-liaison');
  await page.goto(`${BASE}/agreements/iea-undersea`);
  await page.click('text=한국어');
  assert.equal((await page.textContent('.banner')).trim(), 'Ⅱ급비밀//열람 허용 AUKUS');
  assert.ok((await page.textContent('nav')).includes('로그아웃'));
  assert.equal(await page.getAttribute('html', 'lang'), 'ko');
  await page.goto(`${BASE}/agreements`);
  assert.ok((await page.textContent('h1')).includes('협정'));
  await context.close();
});

test('a form post without its CSRF token is refused', async () => {
  const { context, page, errors } = await signIn('kr-pm');
  const status = await page.evaluate(async () => {
    const res = await fetch('/logout', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=forged' });
    return res.status;
  });
  assert.equal(status, 403);
  // The browser logs the refused request; that refusal is the point of the test.
  assert.ok(errors.every((e) => e.includes('403')), `${errors}`);
  errors.length = 0;
  // Still signed in.
  await page.goto(`${BASE}/agreements`);
  assert.equal(page.url(), `${BASE}/agreements`);
  // The real sign-out form works.
  await page.click('nav button');
  await page.waitForURL(`${BASE}/login`);
  await context.close();
});

test('a session that is no longer valid sends the user to sign in', async () => {
  const { context, page } = await signIn('jp-observer');
  await context.clearCookies();
  await context.addCookies([{ name: 'pillar_session', value: 'f'.repeat(64), url: BASE }]);
  await page.goto(`${BASE}/agreements`);
  assert.equal(page.url(), `${BASE}/login`);
  await context.close();
});

test('tables sort by a column, from the keyboard too', async () => {
  const { context, page } = await signIn('us-secretariat');
  await page.goto(`${BASE}/agreements`);
  const column = async () => page.$$eval('main tbody tr', (rows) => rows.map((r) => r.cells[1].textContent.trim()));
  const before = await column();
  const header = page.locator('thead th').nth(1).locator('button');
  await header.focus();
  await page.keyboard.press('Enter');
  const ascending = await column();
  assert.deepEqual(ascending, [...before].sort((a, b) => a.localeCompare(b, undefined, { numeric: true })));
  await page.keyboard.press('Enter');
  assert.deepEqual(await column(), [...ascending].reverse());
  assert.equal(await page.locator('thead th').nth(1).getAttribute('aria-sort'), 'descending');
  await context.close();
});

test('the portfolio draws its charts, a project page shows its readiness, minutes print', async () => {
  const { context, page, errors } = await signIn('kr-pm');
  await page.goto(`${BASE}/portfolio?lang=ko`);
  // Every chart is an SVG with a text alternative, and a CSV beside it.
  const charts = await page.$$eval('svg.chart', (s) => s.map((e) => e.getAttribute('aria-label')));
  assert.ok(charts.length >= 8, `charts: ${charts.length}`);
  assert.ok(charts.every((t) => t && t.length > 0));
  assert.ok((await page.content()).includes('작업 분야별 사업'));
  const csv = await page.evaluate(async () => (await fetch('/portfolio/csv/by-workstream')).text());
  assert.ok(csv.startsWith('workstream,projects\n'), csv);
  // A project page from the list.
  const first = await page.$eval('a[href^="/projects/"]', (a) => a.getAttribute('href'));
  await page.goto(`${BASE}${first}`);
  assert.ok(await page.$('svg.chart'));
  // The committee's minutes carry a banner and print without the navigation.
  await page.goto(`${BASE}/committee/meetings/exec-2026-11`);
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('header nav').isVisible(), false);
  assert.ok(await page.locator('body > .banner').first().isVisible());
  assert.deepEqual(errors, [], 'no errors in the console (the CSP forbids inline style and script)');
  // Printed on small pages (so that the minutes take several): every page carries the banner
  // at its top and its bottom, and the portion marks are printed with the text they mark.
  const banner = (await page.textContent('.banner')).trim();
  const portions = await page.$$eval('.portion', (ps) => ps.map((p) => p.textContent.trim()));
  assert.ok(portions.length > 0, 'the minutes carry portion marks');
  const pdf = await page.pdf({ format: 'A6', printBackground: true });
  const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
  const { execFileSync } = await import('node:child_process');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(`${tmpdir()}/pillar-print-`);
  const file = `${dir}/minutes.pdf`;
  writeFileSync(file, pdf);
  const pages = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' })
    .split('\f').filter((t) => t.trim().length > 0);
  assert.ok(pages.length >= 2, `the minutes printed on ${pages.length} page(s)`);
  // The text in a band at the top and at the bottom of each page (A6 is 298 × 420 pt; the
  // page's margin is 1 cm, 28 pt): the banner and nothing else, compared without white space
  // (pdftotext may split a line of mixed scripts).
  const squash = (t) => t.replace(/\s+/g, '');
  const band = (n, y) => squash(execFileSync('pdftotext',
    ['-f', `${n}`, '-l', `${n}`, '-x', '0', '-y', `${y}`, '-W', '298', '-H', '50', file, '-'],
    { encoding: 'utf8' }));
  pages.forEach((_, i) => {
    assert.equal(band(i + 1, 0), squash(banner), `page ${i + 1} starts with the banner`);
    assert.equal(band(i + 1, 370), squash(banner), `page ${i + 1} ends with the banner`);
  });
  // The portion marks, read in drawing order (the layout mode may break a mark of mixed scripts).
  const printed = execFileSync('pdftotext', ['-raw', file, '-'], { encoding: 'utf8' });
  for (const mark of new Set(portions)) assert.ok(squash(printed).includes(squash(mark)), `portion mark ${mark} printed`);
  rmSync(dir, { recursive: true });
  await context.close();
});

test('technology landscape: each nation reads only the analyses released to it, coloured by the style sheet', async () => {
  // The demo publishes an unclassified analysis and one SECRET REL USA/AUS/GBR.
  const { context: kr, page: krPage } = await signIn('kr-pm');
  await krPage.goto(`${BASE}/landscape`);
  assert.deepEqual(await listed(krPage), ['pillar2-open']);
  let res = await krPage.goto(`${BASE}/landscape/aukus-restricted`);
  assert.equal(res.status(), 404);
  res = await krPage.goto(`${BASE}/landscape/aukus-restricted/areas/p2-quantum`);
  assert.equal(res.status(), 404);
  // No page may log an error (a style the CSP refused, a missing asset): checked at close.
  // The analysis: heat map cells coloured through classes (the CSP forbids inline style).
  await krPage.goto(`${BASE}/landscape/pillar2-open?lang=ko`);
  assert.equal(await krPage.getAttribute('html', 'lang'), 'ko');
  assert.ok((await krPage.textContent('h1')).length > 0);
  const fills = await krPage.$$eval('svg.heat rect', (rs) => [...new Set(rs.map((r) => getComputedStyle(r).fill))]);
  assert.ok(fills.length >= 3, `heat map colours: ${fills}`);
  assert.ok(fills.every((f) => f.startsWith('rgb(')), `${fills}`);
  assert.ok(await krPage.$('svg.network'), 'collaboration network');
  // An area page ranks nations and names leading institutions.
  await krPage.click('svg.heat a');
  assert.match(krPage.url(), /\/landscape\/pillar2-open\/areas\/[a-z0-9-]+$/);
  assert.ok((await krPage.$$('table.sortable tbody tr')).length >= 5);
  // The readiness view's research strength uses the same colours.
  await krPage.goto(`${BASE}/?lang=en`);
  const strength = await krPage.$$eval('td[class^="rsca-"]', (tds) => tds.map((td) => getComputedStyle(td).backgroundColor));
  assert.ok(strength.length >= 7, `research-strength cells: ${strength.length}`);
  assert.ok(strength.some((c) => c !== 'rgb(255, 255, 255)' && c !== 'rgba(0, 0, 0, 0)'), `${strength}`);
  await kr.close();

  // An Australian reads both, and the restricted one carries its marking.
  const { context: au, page: auPage } = await signIn('au-liaison');
  await auPage.goto(`${BASE}/landscape`);
  assert.deepEqual(await listed(auPage), ['aukus-restricted', 'pillar2-open']);
  await auPage.goto(`${BASE}/landscape/aukus-restricted`);
  assert.match((await auPage.textContent('.banner')).trim(), /^SECRET\/\/REL TO /);
  await au.close();
});

test('the secretariat records a meeting with the label picker; its owner closes an action; others never see it', async () => {
  const { context, page } = await signIn('us-secretariat');
  await page.goto(`${BASE}/committee/meetings/new?lang=en`);
  await page.fill('input[name=title]', 'Browser-recorded review');
  await page.fill('input[name=date]', '2026-12-03');
  await page.check('label[title="kr-pm"] input');
  // The picker: the coalition policy, SECRET, Releasable To USA and KOR; the live preview
  // follows each change.
  const policy = await page.$eval('select[name=label_policy]',
    (s) => [...s.options].find((o) => o.text === 'PILLAR COALITION').value);
  await page.selectOption('select[name=label_policy]', policy);
  const fields = page.locator(`fieldset.policy[data-policy="${policy}"]`);
  await fields.locator('select').selectOption({ label: 'SECRET' });
  await fields.locator('label.check', { hasText: /^ USA$/ }).locator('input').check();
  await fields.locator('label.check', { hasText: /^ KOR$/ }).locator('input').check();
  await page.waitForFunction(() => document.querySelector('output.marking-preview').textContent === 'SECRET//REL TO USA, KOR');
  // Other policies' choices are hidden, not sent.
  assert.equal(await page.locator('fieldset.policy:not([hidden])').count(), 1);
  await page.click('form[action="/committee/meetings"] > button');
  await page.waitForURL(/\/committee\/meetings\/m-2026-12-03-/);
  const minutes = page.url();
  assert.equal((await page.textContent('.banner')).trim(), 'SECRET//REL TO USA, KOR');
  // An action item for the Korean PM, under the meeting's label (the picker starts there).
  await page.selectOption('select[name=kind]', 'action');
  await page.fill('form[action$="/items"] input[name=text]', 'Send the trial plan');
  await page.selectOption('select[name=owner]', 'kr-pm');
  await page.fill('input[name=due]', '2026-12-24');
  await page.click('form[action$="/items"] > button');
  await page.waitForURL(minutes);
  assert.ok((await page.textContent('table')).includes('(S//REL TO USA, KOR) Send the trial plan'));
  await context.close();

  // The owner, in Korean, marks it done in one click from the committee page.
  const { context: kr, page: krPage } = await signIn('kr-pm');
  await krPage.goto(`${BASE}/committee?lang=ko`);
  const row = krPage.locator('main tr', { hasText: 'Send the trial plan' });
  await row.locator('button', { hasText: '완료 처리' }).click();
  await krPage.waitForURL(`${BASE}/committee`);
  assert.equal(await krPage.locator('main tr', { hasText: 'Send the trial plan' }).count(), 0);
  await kr.close();

  // A Japanese observer: the meeting does not exist for them.
  const { context: jp, page: jpPage } = await signIn('jp-observer');
  const res = await jpPage.goto(minutes);
  assert.equal(res.status(), 404);
  assert.ok(await jpPage.locator('nav a[href="/documents"]').isVisible(), '404 keeps the navigation');
  await jpPage.goto(`${BASE}/committee`);
  assert.ok(!(await jpPage.content()).includes('Browser-recorded review'));
  await jp.close();
});

test('the secretariat imports minutes from a file; a bad file names the field and imports nothing', async () => {
  const POLICY = { name: 'PILLAR COALITION' };
  const file = (owner) => Buffer.from(JSON.stringify({
    meetings: [{
      committee: 'exec', title: 'Imported quantum review', date: '2026-12-04', place: 'Canberra',
      attendees: ['kr-pm', 'au-liaison'],
      label: { policy: POLICY, classification: 'SECRET', categories: [{ type: 'PERMISSIVE', tag_name: 'Releasable To', values: [{ generic: 'USA' }, { generic: 'KOR' }, { generic: 'AUS' }] }] },
      decisions: [{ text: 'Extend the quantum trial by six weeks', rationale: 'Clock drift data incomplete' }],
      actions: [{ text: 'Circulate the extended trial plan', owner, due: '2026-12-18' }],
    }],
  }));
  const { context, page } = await signIn('us-secretariat');
  await page.goto(`${BASE}/committee?lang=en`);
  const importForm = async (name, bytes) => {
    await page.locator('details', { hasText: 'Import meetings' }).locator('summary').click();
    await page.setInputFiles('form[action="/committee/import"] input[type=file]',
      { name, mimeType: 'application/json', buffer: bytes });
    await page.locator('form[action="/committee/import"] button').click();
  };
  // An owner no one knows: the error names the file and the field, and nothing is recorded.
  await importForm('bad-minutes.json', file('nobody'));
  const error = await page.textContent('body');
  assert.ok(error.includes('bad-minutes.json') && error.includes('owner') && error.includes('nobody'), error.slice(0, 400));
  await page.goto(`${BASE}/committee`);
  assert.ok(!(await page.content()).includes('Imported quantum review'));
  // The good file: listed as imported, its minutes open.
  await importForm('minutes.json', file('kr-pm'));
  await page.waitForURL(/\/committee\?imported=/);
  const notice = page.locator('.notice a', { hasText: 'Imported quantum review' });
  assert.equal(await notice.count(), 1);
  const href = await notice.getAttribute('href');
  await context.close();
  // Korea's programme manager reads it (in Korean); Japan's observer does not know it exists.
  const { context: kr, page: krPage } = await signIn('kr-pm');
  await krPage.goto(`${BASE}${href}?lang=ko`);
  assert.ok((await krPage.content()).includes('Extend the quantum trial by six weeks'));
  await kr.close();
  const { context: jp, page: jpPage } = await signIn('jp-observer');
  assert.equal((await jpPage.goto(`${BASE}${href}`)).status(), 404);
  await jpPage.goto(`${BASE}/committee`);
  assert.ok(!(await jpPage.content()).includes('Imported quantum review'));
  await jp.close();
});

test('a what-if that loses two nations, picked with check boxes, in both languages', async () => {
  for (const [user, lang, china, japan, retained] of [
    ['us-supply-analyst', 'en', 'China', 'Japan', 'Supply retained'],
    ['kr-pm', 'ko', '중국', '일본', '유지되는 공급'],
  ]) {
    const { context, page } = await signIn(user);
    await page.goto(`${BASE}/supply/demo-materials?lang=${lang}`);
    // The chart across end items is drawn, and the picker names countries in the reader's language.
    assert.ok(await page.$('section svg.chart'), `${user}: no chart across end items`);
    const form = page.locator('form.what-if');
    const countries = form.locator('fieldset.targets').first();
    await countries.getByLabel(china, { exact: false }).check();
    await countries.getByLabel(japan, { exact: true }).check();
    await page.locator('form.what-if button').click();
    await page.waitForURL(/country=CHN/);
    const status = await page.textContent('p[role=status]');
    assert.ok(status.includes('country:CHN') && status.includes('country:JPN'), `${user}: ${status}`);
    const table = page.locator('main table', { has: page.locator('th', { hasText: retained }) });
    assert.ok(await table.locator('tbody tr').count() > 0, `${user}: no what-if rows`);
    // The boxes stay checked on the answer, so that one more loss is one more click.
    assert.ok(await page.locator('input[name=country][value=CHN]').isChecked());
    assert.ok(await page.locator('input[name=country][value=JPN]').isChecked());
    await context.close();
  }
});

test('no page the navigation reaches is wider than a phone; screenshots are kept', async () => {
  const { mkdirSync } = await import('node:fs');
  const shots = process.env.PILLAR_SHOTS ?? 'target/screenshots';
  mkdirSync(shots, { recursive: true });
  for (const [user, lang] of [['us-secretariat', 'en'], ['kr-pm', 'ko']]) {
    const { context, page } = await signIn(user);
    await page.goto(`${BASE}/?lang=${lang}`);
    const links = await page.$$eval('header nav a[href^="/"]', (as) => as.map((a) => a.getAttribute('href')));
    const pages = [...new Set([...links, '/committee/meetings/exec-2026-11', '/documents', '/projects/quantum-008',
      '/registry/nations/GBR', '/registry/organisations/kr-add', '/agreements/pa-quantum-pnt', '/landscape/pillar2-open',
      '/portfolio?workstream=p2-quantum', '/supply/demo-materials?country=CHN&country=JPN'])];
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 844 });
      for (const href of pages) {
        await page.goto(`${BASE}${href}`);
        const wide = await page.evaluate(() => document.documentElement.scrollWidth);
        if (width === 390) assert.ok(wide <= 390, `${user} ${href} at 390 px is ${wide} px wide`);
        const name = `${user}-${lang}-${width}${href.replaceAll(/[/?=&]/g, '_') || '_home'}.png`;
        await page.screenshot({ path: `${shots}/${name}`, fullPage: width === 390 });
      }
    }
    // The skip link is the first stop of the keyboard and lands on the content.
    await page.goto(`${BASE}/committee`);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('href')), '#main');
    await context.close();
  }
});
