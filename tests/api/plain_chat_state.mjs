// The state an `AbstractChat` keeps its messages in. The React, Vue and Svelte hooks keep it in their
// framework's state; plain fields do for the test scripts that drive the AI SDK's own client.
export class PlainState {
  status = "ready";
  error = undefined;
  messages = [];
  pushMessage = (message) => this.messages.push(message);
  popMessage = () => this.messages.pop();
  replaceMessage = (index, message) => {
    this.messages[index] = message;
  };
  snapshot = (thing) => structuredClone(thing);
}
