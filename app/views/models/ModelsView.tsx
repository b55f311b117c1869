import { createResource, createSignal, For, Show } from 'solid-js';
import { Page } from '../../components/Page.tsx';
import { useWorkspace } from '../../state/workspace.ts';
import { ModelRegistry } from '../../../workers/models/bundle/registry.ts';
import { agentsUsingModel } from '../../../workers/store/store.ts';
import { filesFromDrop, groupBundles, importBundle, pickedFiles, type BundleFiles, type BundleOutcome, type PickedFile } from '../../import/bundles.ts';
import { errorText } from '../settings/form-fields.tsx';
import { fmt } from '../../components/format.ts';
import { trainingNote } from './training-window.ts';
import { HealthPanel } from './HealthPanel.tsx';

/**
 * Models: import bundles (model.onnx + manifest.json) by picking files, a
 * folder, or dropping them; each is validated in full and stored only when
 * sound. The list shows what each model is and what it measured; a model an
 * agent uses cannot be deleted, and the refusal says which agent.
 */
export function ModelsView() {
  const ws = useWorkspace();
  const [tick, setTick] = createSignal(0);
  const registry = () => new ModelRegistry(ws.store.models);
  const [models] = createResource(() => [ws.status() ? 1 : 0, ws.status()?.agents.length ?? 0, tick()] as const, async () => {
    const list = await ws.store.models.list();
    return Promise.all(list.map(async (m) => ({ m, usedBy: await agentsUsingModel(ws.store, m.id) })));
  });
  // The stored bars a model would run on (the replay's, in the demo): are they after its training window?
  const [stored] = createResource(() => [ws.status() ? 1 : 0, tick()] as const, () => ws.store.bars.list());
  const [results, setResults] = createSignal<(BundleOutcome & { files?: BundleFiles })[]>([]);
  const [busy, setBusy] = createSignal('');
  const [over, setOver] = createSignal(false);
  const [deleteMsg, setDeleteMsg] = createSignal<{ id: string; ok: boolean; text: string } | null>(null);

  const importFiles = async (files: PickedFile[]) => {
    const bundles = groupBundles(files);
    setResults([]);
    setDeleteMsg(null);
    if (bundles.length === 0) {
      setResults([{ source: files.map((f) => f.file.name).join(', ') || 'nothing', ok: false, problems: ['no model files: pick a model.onnx together with its manifest.json, or their folder'] }]);
      return;
    }
    const out: (BundleOutcome & { files?: BundleFiles })[] = [];
    for (const [i, b] of bundles.entries()) {
      setBusy(`Validating ${b.source} (${i + 1} of ${bundles.length})…`);
      out.push({ ...(await importBundle(ws.store.models, b)), files: b });
      setResults([...out]);
    }
    setBusy('');
    setTick(tick() + 1);
  };

  /** New weights under an existing id: only on purpose, since decisions name the model by id. */
  const replace = async (index: number) => {
    const r = results()[index];
    if (!r?.files) return;
    setBusy(`Replacing ${r.source}…`);
    const again = { ...(await importBundle(ws.store.models, r.files, { replace: true })), files: r.files };
    setResults(results().map((x, i) => (i === index ? again : x)));
    setBusy('');
    setTick(tick() + 1);
  };
  const isReplaceable = (r: BundleOutcome) => !r.ok && r.problems.some((p) => /already imported with (different ONNX weights|a different manifest\.json)/.test(p));

  const remove = async (id: string) => {
    try {
      const r = await registry().delete(id, (mid) => agentsUsingModel(ws.store, mid));
      setDeleteMsg(r.ok ? { id, ok: true, text: `Deleted ${id}.` } : { id, ok: false, text: `Not deleted: ${r.problems.join(' ')}` });
      if (r.ok) setTick(tick() + 1);
    } catch (e) {
      setDeleteMsg({ id, ok: false, text: `Not deleted: ${errorText(e)}` });
    }
  };

  const metricsText = (metrics: Record<string, number>) =>
    Object.entries(metrics).map(([k, v]) => `${k} ${Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(3)}`).join(', ') || '—';

  return (
    <Page view="models" class="view" title="Models">
      <div class="panel">
        <h3>Import a bundle</h3>
        <div
          class="dropzone"
          classList={{ 'dropzone-over': over() }}
          onDragOver={(e) => { e.preventDefault(); setOver(true); }}
          onDragLeave={() => setOver(false)}
          onDrop={(e) => {
            e.preventDefault();
            setOver(false);
            if (e.dataTransfer) void filesFromDrop(e.dataTransfer).then(importFiles);
          }}
        >
          <p>Drop model.onnx and manifest.json here (or a folder of bundles), or pick them:</p>
          <div class="actions" style={{ 'justify-content': 'center' }}>
            <label class="btn">
              Choose files…
              <input type="file" multiple accept=".onnx,.json" hidden data-input="model-files" onChange={(e) => { const f = e.currentTarget.files; if (f) void importFiles(pickedFiles(f)); e.currentTarget.value = ''; }} />
            </label>
            <label class="btn">
              Choose a folder…
              <input type="file" hidden {...{ webkitdirectory: true }} data-input="model-folder" onChange={(e) => { const f = e.currentTarget.files; if (f) void importFiles(pickedFiles(f)); e.currentTarget.value = ''; }} />
            </label>
          </div>
        </div>
        <Show when={busy()}><p class="field-hint" role="status">{busy()}</p></Show>
        <For each={results()}>
          {(r) => (
            <div class={`notice ${r.ok ? 'notice-ok' : 'notice-error'}`} role={r.ok ? 'status' : 'alert'} data-model-import={r.ok ? 'ok' : 'refused'} style={{ 'margin-top': '8px' }}>
              <Show when={r.ok} fallback={
                <>
                  <strong>{r.source}{!r.ok && r.id ? ` (${r.id})` : ''}: not imported, nothing stored.</strong>
                  <ul>
                    <For each={r.ok ? [] : r.problems.map((p) => p.replace(/,? or replace it on purpose \(--replace\)/, ''))}>{(p) => <li data-problem>{p}</li>}</For>
                  </ul>
                  <Show when={isReplaceable(r)}>
                    <button type="button" class="btn btn-danger" onClick={() => void replace(results().indexOf(r))}>Replace the stored model anyway</button>
                  </Show>
                </>
              }>
                {r.ok ? `${r.source}: ${r.outcome === 'added' ? 'imported as' : r.outcome === 'unchanged' ? 'already imported as' : `${r.outcome}:`} ${r.id}` : ''}
              </Show>
            </div>
          )}
        </For>
      </div>

      <div class="panel">
        <h3>Imported models</h3>
        <Show when={deleteMsg()}>{(m) => <div class={`notice ${m().ok ? 'notice-ok' : 'notice-error'}`} role="alert" data-delete-result={m().ok ? 'ok' : 'refused'}>{m().text}</div>}</Show>
        <Show when={(models.latest ?? []).length > 0} fallback={<p class="field-hint">{models.loading ? 'Loading…' : 'No models yet.'}</p>}>
          <div class="model-list" data-models>
            <For each={models.latest ?? []}>
              {({ m, usedBy }) => {
                const note = () => trainingNote(m.manifest, stored.latest ?? []);
                return (
                  <article class="model-card" data-model={m.id}>
                    <header class="row">
                      <span class="badge">{m.manifest.role}</span>
                      <strong title={m.manifest.description ?? ''}>{m.manifest.name}</strong>
                      <span class="muted small">{m.manifest.version}</span>
                      <span class="grow" />
                      <button type="button" class="btn btn-danger" onClick={() => void remove(m.id)} data-action="delete-model">Delete</button>
                    </header>
                    <dl>
                      <div><dt>Trained for</dt><dd>{m.manifest.symbols.join(', ')} {m.manifest.timeframe} · {m.manifest.featureSpec}</dd></div>
                      <div><dt>Training window</dt><dd data-training-window>{note().trained}</dd></div>
                      <Show when={note().tested}><div><dt>Metrics measured on</dt><dd data-test-window>{note().tested}</dd></div></Show>
                      <div class="wide"><dt>Out-of-sample metrics</dt><dd>{metricsText(m.manifest.metrics)}</dd></div>
                      <div><dt>Size · imported</dt><dd>{fmt.bytes(m.bytes.length)} · {fmt.time(m.importedAt)} UTC</dd></div>
                      <div><dt>Used by</dt><dd>{usedBy.length ? usedBy.join(', ') : '–'}</dd></div>
                    </dl>
                    <For each={note().replay}>
                      {(r) => <p class={`small ${r.outOfSample ? 'up' : 'warn'}`} data-sample-note={r.outOfSample ? 'out-of-sample' : 'in-sample'}>{r.text}</p>}
                    </For>
                  </article>
                );
              }}
            </For>
          </div>
        </Show>
      </div>

      <HealthPanel store={ws.store} agentIds={() => (ws.status()?.agents ?? []).map((a) => a.id)} />
    </Page>
  );
}

export default ModelsView;
