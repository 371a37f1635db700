// Copy buttons: `<button data-copy-target="ID" hidden>` copies the text of element ID. The button
// is shown only when the script runs and the clipboard is available; `data-copied-text` is shown
// for two seconds after a copy.

export function initCopyButtons(root = document) {
  if (!navigator.clipboard) return;
  for (const button of root.querySelectorAll('button[data-copy-target]')) {
    const target = document.getElementById(button.dataset.copyTarget);
    if (!target) continue;
    button.hidden = false;
    button.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(target.textContent.trim());
      } catch {
        return; // permission refused: nothing copied, nothing claimed
      }
      button.dataset.state = 'copied';
      const copied = button.dataset.copiedText;
      if (!copied) return;
      const original = button.textContent;
      button.textContent = copied;
      setTimeout(() => {
        button.textContent = original;
        delete button.dataset.state;
      }, 2000);
    });
  }
}
