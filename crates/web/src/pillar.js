// Progressive enhancement only: every page works without this file.
// Tables become sortable: each column header turns into a button (keyboard-usable) that sorts
// the rows by that column, ascending then descending; aria-sort tells assistive technology.
document.addEventListener('DOMContentLoaded', () => {
  for (const table of document.querySelectorAll('main table')) {
    const body = table.tBodies[0];
    if (!body || !table.tHead) continue;
    const headers = [...table.tHead.rows[0].cells];
    headers.forEach((th, col) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'sort';
      button.textContent = th.textContent;
      th.textContent = '';
      th.appendChild(button);
      button.addEventListener('click', () => {
        const ascending = th.getAttribute('aria-sort') !== 'ascending';
        headers.forEach((h) => h.removeAttribute('aria-sort'));
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        const rows = [...body.rows];
        rows.sort((a, b) => {
          // Dates sort by their machine form, whatever the language shows.
          const key = (c) => c?.querySelector('time')?.getAttribute('datetime') ?? c?.textContent.trim() ?? '';
          const x = key(a.cells[col]);
          const y = key(b.cells[col]);
          return (ascending ? 1 : -1) * x.localeCompare(y, undefined, { numeric: true });
        });
        rows.forEach((r) => body.appendChild(r));
      });
    });
  }
});

// The label picker (templates/label_picker.html): only the chosen policy's choices are shown,
// and the marking preview follows every change (without script, the preview button does it).
document.addEventListener('DOMContentLoaded', () => {
  for (const picker of document.querySelectorAll('fieldset.picker')) {
    const select = picker.querySelector('select[name="label_policy"]');
    const output = picker.querySelector('output.marking-preview');
    const show = () => {
      for (const f of picker.querySelectorAll('fieldset.policy')) {
        f.hidden = f.dataset.policy !== select.value;
      }
    };
    let asked = 0;
    const preview = async () => {
      const params = new URLSearchParams();
      params.set('label_policy', select.value);
      for (const el of picker.querySelectorAll('fieldset.policy:not([hidden]) select, fieldset.policy:not([hidden]) input:checked, textarea[name="label"]')) {
        params.set(el.name, el.type === 'checkbox' ? 'on' : el.value);
      }
      const mine = ++asked;
      try {
        const res = await fetch(`${picker.dataset.preview}?${params}`, { credentials: 'same-origin' });
        const body = await res.json();
        if (mine !== asked) return;
        output.textContent = body.marking ?? body.error ?? '';
        output.classList.toggle('error', !body.marking);
      } catch (e) { /* the preview button still works */ }
    };
    select.addEventListener('change', show);
    picker.addEventListener('change', preview);
    picker.querySelector('textarea[name="label"]')?.addEventListener('input', preview);
    show();
    preview();
  }
});

// The minutes' print button (hidden without script: the browser's own print works alike).
document.addEventListener('DOMContentLoaded', () => {
  for (const b of document.querySelectorAll('button.print')) {
    b.hidden = false;
    b.addEventListener('click', () => window.print());
  }
});
