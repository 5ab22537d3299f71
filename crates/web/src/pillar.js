// Progressive enhancement only: every page works without this file.
// Tables become sortable: each column header turns into a button (keyboard-usable) that sorts
// the rows by that column, ascending then descending; aria-sort tells assistive technology.
document.addEventListener('DOMContentLoaded', () => {
  for (const table of document.querySelectorAll('table')) {
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
          const x = a.cells[col]?.textContent.trim() ?? '';
          const y = b.cells[col]?.textContent.trim() ?? '';
          return (ascending ? 1 : -1) * x.localeCompare(y, undefined, { numeric: true });
        });
        rows.forEach((r) => body.appendChild(r));
      });
    });
  }
});
