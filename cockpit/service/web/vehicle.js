// The vehicle panel: VSS signal paths -> the elements that show them.

const $ = (id) => document.getElementById(id);

const WINDOWS = {
  "Vehicle.Cabin.Door.Row1.DriverSide.Window.Position": "window-fl",
  "Vehicle.Cabin.Door.Row1.PassengerSide.Window.Position": "window-fr",
  "Vehicle.Cabin.Door.Row2.DriverSide.Window.Position": "window-rl",
  "Vehicle.Cabin.Door.Row2.PassengerSide.Window.Position": "window-rr",
};
const GEARS = { 126: "P (park)", 127: "D (drive)", 0: "N", [-1]: "R" }; // VSS SelectedGear codes
const COMPASS = ["N", "NE", "E", "SE", "S", "SW", "W", "NW"];

const missing = (v) => v === null || v === undefined || Number.isNaN(Number(v));

/** 22 -> "22", 21.5 -> "21.5", null -> "–". */
function num(v, digits = 1) {
  if (missing(v)) return "–";
  const n = Number(v);
  return Number.isInteger(n) ? String(n) : n.toFixed(digits);
}

function compass(deg) {
  return COMPASS[Math.round((((deg % 360) + 360) % 360) / 45) % 8];
}

function setText(id, text) {
  $(id).textContent = text;
}

function setBar(id, v) {
  $(id).value = missing(v) ? 0 : Number(v);
}

const SHOW = {
  "Vehicle.Speed": (v) => setText("speed", num(v, 0)),
  "Vehicle.CurrentLocation.Latitude": (v) => setText("lat", missing(v) ? "–" : Number(v).toFixed(5)),
  "Vehicle.CurrentLocation.Longitude": (v) => setText("lon", missing(v) ? "–" : Number(v).toFixed(5)),
  "Vehicle.CurrentLocation.Heading": (v) => {
    setText("heading", num(v, 0));
    setText("heading-compass", missing(v) ? "" : compass(Number(v)));
  },
  "Vehicle.Cabin.HVAC.Station.Row1.Driver.Temperature": (v) => setText("hvac-temp", num(v)),
  "Vehicle.Cabin.HVAC.Station.Row1.Driver.FanSpeed": (v) => setText("hvac-fan", num(v, 0)),
  "Vehicle.Cabin.HVAC.IsAirConditioningActive": (v) => {
    setText("hvac-ac", v === null || v === undefined ? "–" : v ? "on" : "off");
    $("hvac-ac").dataset.on = String(Boolean(v));
  },
  "Vehicle.Cabin.Infotainment.Media.Action": (v) => setText("media-action", v ?? "–"),
  "Vehicle.Cabin.Infotainment.Media.Volume": (v) => setText("media-volume", num(v, 0)),
  "Vehicle.Powertrain.Range": (v) => setText("range-km", missing(v) ? "–" : String(Math.round(Number(v) / 1000))),
  "Vehicle.Powertrain.FuelSystem.RelativeLevel": (v) => {
    setText("fuel", num(v, 0));
    setBar("fuel-bar", v);
  },
  "Vehicle.Powertrain.Transmission.SelectedGear": (v) => setText("gear", missing(v) ? "–" : GEARS[v] ?? String(v)),
};
for (const [path, id] of Object.entries(WINDOWS)) {
  SHOW[path] = (v) => {
    setText(id, num(v, 0));
    setBar(`${id}-bar`, v);
  };
}

/** Show a snapshot or a change set ({path: value}); paths the panel doesn't show are ignored. */
export function showSignals(signals) {
  for (const [path, v] of Object.entries(signals)) {
    if (path in SHOW) SHOW[path](v);
  }
}
