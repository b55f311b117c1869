import { render } from 'solid-js/web';
import { App } from './App.tsx';
import { chooseWorkspace } from './remote/attach.ts';
import './app.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
// This browser's workspace, or the relay's when the page was opened from the URL a relay printed.
void chooseWorkspace().then((choice) => {
  root.textContent = '';
  render(() => <App choice={choice} />, root);
});
