import { StrictMode, useState } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.tsx";
import { loadConfig, storeToken, type ResolvedConfig } from "./config.ts";
import "./styles.css";

function Root({ initial }: { initial: ResolvedConfig }) {
  const [config, setConfig] = useState(initial);
  return (
    <App
      // A new token starts the app afresh, so every view reloads with it.
      key={`${config.tokenSource}:${config.adminToken ?? ""}`}
      config={config}
      onToken={(token) => {
        storeToken(token);
        // Re-resolve: a token from config.json still wins over a pasted one.
        void loadConfig().then(setConfig);
      }}
    />
  );
}

const root = createRoot(document.getElementById("root")!);
loadConfig().then(
  (config) =>
    root.render(
      <StrictMode>
        <Root initial={config} />
      </StrictMode>,
    ),
  (error: unknown) =>
    root.render(
      <div className="fatal">
        <h1>The dashboard could not start</h1>
        <p>{error instanceof Error ? error.message : String(error)}</p>
      </div>,
    ),
);
