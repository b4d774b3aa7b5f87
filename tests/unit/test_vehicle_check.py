"""`cockpit doctor --config`: each configured feed and the map are built and opened, failures carry a fix."""
import socket

from cockpit.config import parse_config
from cockpit.doctor import Check
from cockpit.vehicle.check import vehicle_checks


def _refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_each_feed_and_the_map_is_checked(tmp_path):
    bad_pois = tmp_path / "pois.geojson"
    bad_pois.write_text("{not json")
    vehicle = parse_config({"vehicle": {
        "poi": {"sources": [str(bad_pois)]},
        "feeds": [{"kind": "drive"}, {"kind": "gpsd", "port": _refused_port()},
                  {"kind": "nmea", "device": str(tmp_path / "ttyUSB9")},
                  {"kind": "can", "interface": "virtual", "channel": "doctor-test", "dbc": str(tmp_path / "no.dbc")}],
    }}).vehicle
    poi, drive, gpsd, nmea, can = vehicle_checks(vehicle, Check)
    assert not poi.ok and "pois.geojson" in poi.detail and poi.fix
    assert drive.ok and "5.1 km" in drive.detail
    assert not gpsd.ok and "not reachable" in gpsd.detail and "gpsd" in gpsd.fix
    assert not nmea.ok and "ttyUSB9" in nmea.detail and nmea.fix
    assert not can.ok and "no.dbc" in can.detail and can.fix


def test_a_working_virtual_can_bus_and_the_sample_map_pass():
    vehicle = parse_config({"vehicle": {"feeds": [{"kind": "can", "interface": "virtual", "channel": "doctor-ok"}]}}).vehicle
    poi, can = vehicle_checks(vehicle, Check)
    assert poi.ok and "14 places" in poi.detail
    assert can.ok and "virtual doctor-ok" in can.detail
