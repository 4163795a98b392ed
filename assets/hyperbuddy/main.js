// The node's web page: reads the node over its own HyperPATHs.
const $ = (id) => document.getElementById(id);

async function text(path) {
  const res = await fetch(path);
  return { status: res.status, headers: res.headers, body: await res.text() };
}

async function json(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  return res.json();
}

function row(table, key, value) {
  const tr = table.insertRow();
  tr.insertCell().textContent = key;
  tr.insertCell().textContent = typeof value === 'string' ? value : JSON.stringify(value);
}

async function showNode() {
  $('address').textContent = (await text('/~meta@1.0/info/address')).body;
  const build = await json('/~meta@1.0/build');
  for (const key of [
    'implementation',
    'implementation-version',
    'node',
    'version',
    'source-short',
  ]) {
    const dt = document.createElement('dt');
    const dd = document.createElement('dd');
    dt.textContent = key;
    dd.textContent = build[key] ?? '';
    $('build').append(dt, dd);
  }
  const info = await json('/~meta@1.0/info');
  const table = $('options').tBodies[0];
  for (const key of Object.keys(info).sort()) {
    if (key === 'preloaded_devices' || key === 'ao-types' || key === 'commitments') continue;
    row(table, key, info[key]);
  }
  const devices = Object.values(info.preloaded_devices ?? {}).map((d) => d.name);
  for (const name of devices.sort()) {
    const li = document.createElement('li');
    li.textContent = name;
    $('devices').append(li);
  }
}

async function showMetrics() {
  $('metrics').textContent = (await text('/~hyperbuddy@1.0/metrics')).body;
}

$('console').addEventListener('submit', async (event) => {
  event.preventDefault();
  const res = await fetch($('path').value, { method: $('method').value });
  const headers = [...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
  $('response').textContent = `${res.status} ${res.statusText}\n${headers}\n\n${await res.text()}`;
  showMetrics();
});

showNode().catch((error) => {
  $('address').textContent = `unavailable (${error.message})`;
});
showMetrics();
