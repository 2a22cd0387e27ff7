"""Every source's title matches its link: the link's host belongs to a publisher the title
names, so a reader who follows "NICE ..." lands on NICE, or the title says where the copy is."""

from __future__ import annotations

from urllib.parse import urlsplit

from triage.knowledge import KnowledgeBase

# A name a title can give -> the hosts (and their subdomains) that publish under it.
PUBLISHERS: dict[str, tuple[str, ...]] = {
    "NICE": ("nice.org.uk",),
    "NHS Gloucestershire": ("glos.nhs.uk",),
    "NHS Cornwall": ("cornwall.nhs.uk",),
    "NHS North East and North Cumbria": ("nenc-healthiertogether.nhs.uk",),
    "NHS:": ("nhs.uk",),
    "nidirect": ("nidirect.gov.uk",),
    "Northern Health and Social Care Trust": ("northerntrust.hscni.net",),
    "NVL": ("leitlinien.de",),
    "Cochrane": ("cochrane.org",),
    "MSD Manual": ("msdmanuals.com",),
    "Medscape": ("medscape.com",),
    "Empendium": ("empendium.com",),
    "SlidePlayer": ("slideplayer.com",),
    "Physiopedia": ("physio-pedia.com",),
    "Keele": ("keele.ac.uk",),
    "backes.org.uk": ("backes.org.uk",),
    "Paediatric Musculoskeletal Matters": ("pmmonline.org",),
    "Perth Children's Hospital": ("pch.health.wa.gov.au",),
    "J Fam Pract": ("mdedge.com",),
    # journal articles: the DOI, or the article in PubMed / PubMed Central
    "JOSPT": ("doi.org",),
    "Ann Intern Med": ("doi.org",),
    "Arthritis Rheum": ("pubmed.ncbi.nlm.nih.gov",),
    "BMJ": ("pmc.ncbi.nlm.nih.gov",),
}


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").rstrip(".").lower()


def published_by(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def named_publishers(title: str) -> list[str]:
    """The publishers a title names; a longer name that contains a shorter one wins
    ("NHS Gloucestershire" over "NHS:")."""
    found = [name for name in PUBLISHERS if name in title]
    return [name for name in found if not any(name != o and name in o for o in found)]


def test_every_linked_source_names_the_publisher_of_its_link(kb: KnowledgeBase) -> None:
    wrong = []
    for source in kb.sources.values():
        if source.url is None:
            continue
        named = named_publishers(source.title)
        host = host_of(source.url)
        if not any(published_by(host, PUBLISHERS[name]) for name in named):
            wrong.append(f"{source.id}: {host} is not by {named or 'any publisher named'}")
    assert wrong == []


def test_the_check_catches_a_title_that_names_another_publisher() -> None:
    # the mistake this test was written for: a NICE title linking to a regional NHS copy
    title = "NICE Clinical Knowledge Summaries: back pain and sciatica, red flags"
    host = host_of("https://g-care.glos.nhs.uk/pathway/71/resource/3")
    assert not any(published_by(host, PUBLISHERS[name]) for name in named_publishers(title))
    honest = title + " (as reproduced by NHS Gloucestershire, G-Care)"
    assert any(published_by(host, PUBLISHERS[name]) for name in named_publishers(honest))
    assert not published_by("evilnice.org.uk", PUBLISHERS["NICE"])
