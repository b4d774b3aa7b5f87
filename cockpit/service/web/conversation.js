// The conversation pane: what the driver said (partials update one grey line in place), what cockpit
// answered (a streamed reply grows in place), routes, tool results and errors. At most KEEP_MESSAGES
// lines; it follows the newest line unless the user scrolled up to read.

const KEEP_MESSAGES = 200;

export function conversationPane(conversation) {
  let partialLine = null; // the grey line a partial transcript updates in place
  const replyLines = new Map(); // turn -> its reply line while the reply streams

  function addLine(kind, text, turn, testid) {
    const li = document.createElement("li");
    li.className = `msg ${kind}`;
    if (turn !== undefined && turn !== null) li.dataset.turn = turn;
    if (testid) li.dataset.testid = testid;
    li.textContent = text;
    conversation.append(li);
    while (conversation.children.length > KEEP_MESSAGES) conversation.firstElementChild.remove();
    follow();
    return li;
  }

  // The pane follows the newest line unless the user scrolled up to read.
  let pinned = true;
  conversation.addEventListener("scroll", () => {
    pinned = conversation.scrollHeight - conversation.scrollTop - conversation.clientHeight < 40;
  });
  function follow() {
    if (pinned) conversation.scrollTop = conversation.scrollHeight;
  }
  new ResizeObserver(follow).observe(conversation);

  function showTranscript(msg) {
    if (!msg.final) {
      if (!partialLine || !partialLine.isConnected) partialLine = addLine("driver partial", "", msg.turn, "transcript-partial");
      partialLine.textContent = msg.text;
      follow();
      return;
    }
    const li = partialLine && partialLine.isConnected ? partialLine : addLine("driver", "", msg.turn);
    partialLine = null;
    li.className = "msg driver";
    li.dataset.turn = msg.turn;
    li.dataset.testid = "transcript-final";
    li.textContent = msg.text;
    follow();
  }

  function showReply(msg) {
    let li = replyLines.get(msg.turn);
    if (!li || !li.isConnected) {
      li = addLine("cockpit", "", msg.turn, "reply");
      replyLines.set(msg.turn, li);
    }
    if (msg.final) {
      li.textContent = msg.text; // the whole reply
      li.classList.remove("streaming");
      replyLines.delete(msg.turn);
    } else {
      li.textContent = li.textContent ? `${li.textContent} ${msg.text}` : msg.text; // one spoken piece
      li.classList.add("streaming");
    }
    follow();
  }

  function showError(code, message, turn) {
    const li = addLine("error", "", turn, "error");
    const b = document.createElement("b");
    b.textContent = code || "error";
    li.append(b, ` ${message || ""}`);
    li.dataset.code = code || "";
  }

  return { addLine, showTranscript, showReply, showError };
}
