"""Mount options -> plan (pyrunc/plan/mounts.py), for id-mapped mounts:
idmap and ridmap are recognised options, never filesystem data, and each
id-mapped mount's IdMapping says where its idmap comes from."""
import pytest

from pyrunc import features, kconst as L
from pyrunc.errors import ConfigError
from pyrunc.plan.mounts import IdMapping, container_idmapping, parse_options, plan_mounts

MAPPING = [{"containerID": 0, "hostID": 1000, "size": 10}]
GID_MAPPING = [{"containerID": 0, "hostID": 2000, "size": 10}, {"containerID": 10, "hostID": 5000, "size": 1}]
USERNS_MAPPING = [{"containerID": 0, "hostID": 100000, "size": 65536}]


def _config(mount, userns=None):
    linux = {"namespaces": [{"type": "mount"}]}
    if userns == "new":
        linux["namespaces"].append({"type": "user"})
        linux["uidMappings"] = linux["gidMappings"] = USERNS_MAPPING
    elif userns:
        linux["namespaces"].append({"type": "user", "path": userns})
    return {"mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}, mount], "linux": linux}


def _bind(options, **fields):
    return {"destination": "/data", "type": "bind", "source": "/srv", "options": options, **fields}


@pytest.mark.parametrize("options,idmap", [
    (["rbind"], None), (["rbind", "idmap"], False), (["rbind", "ridmap"], True),
    (["rbind", "ridmap", "idmap"], False), (["idmap", "rbind", "ridmap"], True),  # the last wins, as in runc
])
def test_idmap_options_are_parsed_not_passed_as_data(options, idmap):
    flags, _, data, rec_set, _, _, parsed = parse_options(options + ["mode=755"])
    assert parsed is idmap
    assert data == "mode=755"
    assert flags == L.MS_BIND | L.MS_REC
    assert not rec_set & L.MOUNT_ATTR_IDMAP


def test_a_plain_mount_has_no_idmapping():
    assert plan_mounts(_config(_bind(["rbind"])))[1].idmap is None
    assert plan_mounts(_config(_bind(["rbind"])))[0].idmap is None


def test_mount_mappings_become_map_texts():
    m = plan_mounts(_config(_bind(["rbind", "ridmap"], uidMappings=MAPPING, gidMappings=GID_MAPPING)))[1]
    assert m.idmap == IdMapping(True, "0 1000 10\n", "0 2000 10\n10 5000 1\n")
    assert m.is_bind and m.data == ""


def test_mount_mappings_win_over_the_containers_userns():
    m = plan_mounts(_config(_bind(["bind", "idmap"], uidMappings=MAPPING, gidMappings=MAPPING), "new"))[1]
    assert m.idmap == IdMapping(False, "0 1000 10\n", "0 1000 10\n")


def test_mappings_without_an_option_map_as_idmap():
    m = plan_mounts(_config(_bind(["rbind"], uidMappings=MAPPING, gidMappings=MAPPING)))[1]
    assert m.idmap == IdMapping(False, "0 1000 10\n", "0 1000 10\n")


def test_without_mappings_the_new_userns_lends_its_maps():
    m = plan_mounts(_config(_bind(["rbind", "ridmap"]), "new"))[1]
    assert m.idmap == IdMapping(True, "0 100000 65536\n", "0 100000 65536\n")


def test_without_mappings_the_joined_userns_is_used():
    m = plan_mounts(_config(_bind(["rbind", "idmap"]), "/proc/1/ns/user"))[1]
    assert m.idmap == IdMapping(False, userns_path="/proc/1/ns/user")


def test_without_mappings_or_userns_planning_refuses():
    with pytest.raises(ConfigError, match=r"mounts\[1\]\.options: an idmap mount needs uidMappings"):
        plan_mounts(_config(_bind(["rbind", "idmap"])))


def test_no_userns_no_container_idmapping():
    assert container_idmapping(_config(_bind(["rbind"]))) is None
    assert container_idmapping({}) is None


def test_features_lists_idmap_options_and_extension():
    assert {"idmap", "ridmap"} <= set(features.MOUNT_OPTIONS)
    assert features.build()["linux"]["mountExtensions"] == {"idmap": {"enabled": True}}
