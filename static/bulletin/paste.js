// Pasting from Word / WPS into an article's editor: a picture that cannot be kept (Word's
// file:///…clip_image001.png, a picture on another website, one embedded in the pasted text) is
// reported at once, not discovered after saving. The server refuses the save with the same reasons
// (articles/wordpaste.py), and turns numbered lines into the print layout's headings.
(() => {
  const own = (src) => src.startsWith("/media/") || src.startsWith(location.origin + "/media/");
  const watched = new Set();
  function warn(editor, html) {
    const doc = new DOMParser().parseFromString(html, "text/html");
    const bad = [...doc.images].map((img) => img.getAttribute("src") || "").filter((src) => !own(src));
    if (!bad.length) return;
    const box = document.createElement("p");
    box.className = "errornote paste-images";
    box.textContent = `粘贴的内容中有 ${bad.length} 张图片无法保存（它们在您的电脑上、在其他网站上或嵌在粘贴的文字里）：`
      + "请删除这些图片，再用编辑器的“插入图片”按钮上传图片文件。";
    const element = editor.ui.view.element;
    element.parentNode.insertBefore(box, element);
    setTimeout(() => box.remove(), 30000);
  }
  setInterval(() => {
    for (const [id, editor] of Object.entries(window.editors || {})) {
      if (watched.has(id)) continue;
      watched.add(id);
      editor.editing.view.document.on("clipboardInput", (event, data) => {
        warn(editor, data.dataTransfer.getData("text/html") || "");
      });
    }
  }, 500);
})();
