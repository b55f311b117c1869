import { createSignal, Show } from 'solid-js';
import { useWorkspace } from '../../state/workspace.ts';
import { exportWorkspace, importWorkspace } from '../../../workers/store/backup.ts';
import { isQuotaError, StorageFullError } from '../../store/storage-full.ts';
import { errorText } from '../settings/form-fields.tsx';
import { fmt } from '../../components/format.ts';

/**
 * The whole workspace (bars, journal, agents, models, notes, settings) to one
 * file and back. A restore checks the entire file before writing and only goes
 * into an empty workspace; secrets (tokens) stay out of the file unless asked.
 */
export function BackupPanel(props: { onRestored: () => void }) {
  const ws = useWorkspace();
  const [withSecrets, setWithSecrets] = createSignal(false);
  const [msg, setMsg] = createSignal<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = createSignal(false);

  const backup = async () => {
    setBusy(true);
    setMsg(null);
    try {
      const data = await exportWorkspace(ws.store, { includeSecrets: withSecrets() });
      const url = URL.createObjectURL(new Blob([data as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `tradeguard-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.tgbackup`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setMsg({ ok: true, text: `Backup of ${fmt.bytes(data.length)} written${withSecrets() ? ', tokens included: keep the file private' : ' (tokens left out)'}.` });
    } catch (e) {
      setMsg({ ok: false, text: `Backup failed: ${errorText(e)}` });
    } finally {
      setBusy(false);
    }
  };

  const restore = async (file: File | undefined) => {
    if (!file) return;
    setBusy(true);
    setMsg(null);
    try {
      const r = await importWorkspace(ws.store, new Uint8Array(await file.arrayBuffer()));
      setMsg({ ok: true, text: `Restored ${file.name}.${r.omittedSecrets.length ? ` The backup left out ${r.omittedSecrets.join(', ')}: enter them again in Settings.` : ''}` });
      props.onRestored();
    } catch (e) {
      const full = e instanceof StorageFullError || isQuotaError(e) || isQuotaError((e as { cause?: unknown })?.cause);
      setMsg({ ok: false, text: `Not restored: ${full && !(e instanceof StorageFullError) ? new StorageFullError(`the backup ${file.name}`, { cause: e }).message : errorText(e)}` });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="panel">
      <h3>Workspace backup</h3>
      <div class="actions">
        <button type="button" class="btn" disabled={busy()} onClick={() => void backup()} data-action="backup">Back up to a file</button>
        <label class="field-unit"><input type="checkbox" checked={withSecrets()} onChange={(e) => setWithSecrets(e.currentTarget.checked)} /> include tokens and passwords</label>
        <label class="btn" classList={{ disabled: busy() }}>
          Restore from a file…
          <input type="file" accept=".tgbackup,application/octet-stream" hidden data-input="restore" onChange={(e) => { void restore(e.currentTarget.files?.[0]); e.currentTarget.value = ''; }} />
        </label>
      </div>
      <p class="field-hint">A restore goes only into an empty workspace and checks the whole file first: a damaged backup writes nothing.</p>
      <Show when={msg()}>{(m) => <div class={`notice ${m().ok ? 'notice-ok' : 'notice-error'}`} role="alert" data-backup-result={m().ok ? 'ok' : 'error'}>{m().text}</div>}</Show>
    </div>
  );
}
