#include "gen/workers.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <vector>

#include "core/files.h"

namespace lakehouse {
namespace {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL) {}
  uint64_t Next() {  // splitmix64
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }
  double Unit() { return static_cast<double>(Next() >> 11) / 9007199254740992.0; }
  template <typename T, size_t N>
  const T& Pick(const std::array<T, N>& items) { return items[Below(N)]; }
  template <typename T>
  const T& Pick(const std::vector<T>& items) { return items[Below(items.size())]; }

 private:
  uint64_t state_;
};

struct Role {
  const char* title;
  std::vector<const char*> skills;
  std::vector<const char*> certifications;
  double base_rate;
  const char* setting;
};

const std::vector<Role>& Roles() {
  static const std::vector<Role> roles = {
      {"Forklift Operator", {"sit-down forklift", "reach truck", "pallet jack", "RF scanner", "load securing", "inventory counts", "dock operations"}, {"OSHA-30", "OSHA-10", "Forklift Certified", "Reach Truck Certified"}, 18.5, "warehouse"},
      {"Warehouse Associate", {"picking", "packing", "RF scanner", "shipping and receiving", "pallet jack", "cycle counts", "labeling"}, {"OSHA-10", "Forklift Certified", "First Aid/CPR"}, 16.5, "warehouse"},
      {"Material Handler", {"pallet jack", "forklift", "staging", "kitting", "line feeding", "RF scanner"}, {"OSHA-10", "Forklift Certified", "OSHA-30"}, 17.0, "warehouse"},
      {"Order Picker", {"order picking", "pick-to-light", "RF scanner", "voice picking", "packing", "cherry picker"}, {"Order Picker Certified", "OSHA-10"}, 16.0, "distribution center"},
      {"Inventory Clerk", {"cycle counts", "inventory reconciliation", "SAP", "Excel", "RF scanner", "receiving"}, {"OSHA-10", "CPIM"}, 17.5, "warehouse"},
      {"Electrician", {"industrial wiring", "conduit bending", "motor controls", "blueprint reading", "troubleshooting", "PLC basics", "NEC code"}, {"Journeyman Electrician License", "OSHA-30", "NFPA 70E"}, 32.0, "industrial plant"},
      {"Industrial Electrician", {"industrial wiring", "PLC programming", "VFD troubleshooting", "three-phase power", "motor controls", "lockout/tagout"}, {"Journeyman Electrician License", "NFPA 70E", "OSHA-30"}, 35.0, "manufacturing plant"},
      {"CNC Operator", {"CNC lathe", "CNC mill", "first article inspection", "gauge R&R", "calipers and micrometers", "G-code", "blueprint reading"}, {"NIMS Machining Level I", "OSHA-10"}, 22.0, "machine shop"},
      {"CNC Machinist", {"CNC programming", "Mastercam", "first article inspection", "GD&T", "5-axis milling", "gauge R&R", "setup"}, {"NIMS Machining Level II", "OSHA-10"}, 28.0, "machine shop"},
      {"Machine Operator", {"machine setup", "quality checks", "injection molding", "press operation", "SPC charts", "lockout/tagout"}, {"OSHA-10", "Forklift Certified"}, 18.0, "plant"},
      {"Assembler", {"mechanical assembly", "hand tools", "torque tools", "blueprint reading", "soldering", "quality inspection"}, {"IPC-A-610", "OSHA-10"}, 17.0, "assembly line"},
      {"Quality Technician", {"first article inspection", "CMM", "gauge R&R", "SPC", "root cause analysis", "ISO 9001 audits"}, {"ASQ CQT", "Six Sigma Green Belt", "OSHA-10"}, 25.0, "manufacturing plant"},
      {"Welder", {"MIG welding", "TIG welding", "stick welding", "blueprint reading", "fabrication", "grinding"}, {"AWS D1.1", "OSHA-10"}, 24.0, "fabrication shop"},
      {"Maintenance Technician", {"preventive maintenance", "hydraulics", "pneumatics", "electrical troubleshooting", "PLC basics", "welding"}, {"OSHA-30", "NFPA 70E", "EPA 608"}, 29.0, "plant"},
      {"HVAC Technician", {"HVAC repair", "refrigeration", "ductwork", "electrical troubleshooting", "boilers"}, {"EPA 608", "OSHA-10"}, 27.0, "commercial buildings"},
      {"Truck Driver", {"CDL Class A driving", "pre-trip inspection", "ELD logs", "flatbed securement", "route planning"}, {"CDL-A", "HazMat Endorsement", "TWIC"}, 26.0, "regional routes"},
      {"Delivery Driver", {"route delivery", "customer service", "hand truck", "GPS navigation", "proof of delivery"}, {"Class C License", "DOT Medical Card"}, 19.0, "local routes"},
      {"Production Worker", {"line work", "packing", "machine tending", "quality checks", "sanitation"}, {"OSHA-10", "ServSafe"}, 15.5, "food plant"},
      {"Packer", {"packing", "labeling", "shrink wrapping", "quality checks", "palletizing"}, {"OSHA-10"}, 15.0, "packaging line"},
      {"Shipping Clerk", {"bills of lading", "UPS WorldShip", "freight scheduling", "RF scanner", "Excel"}, {"OSHA-10", "HazMat Shipping"}, 18.0, "shipping dock"},
      {"Medical Assistant", {"vital signs", "EHR charting", "phlebotomy", "patient intake", "scheduling"}, {"CMA", "BLS", "Phlebotomy Certified"}, 19.5, "clinic"},
      {"Certified Nursing Assistant", {"patient care", "vital signs", "ADLs", "charting", "patient transfers"}, {"CNA", "BLS", "First Aid/CPR"}, 18.0, "long-term care facility"},
      {"Janitor", {"floor care", "floor buffing", "restroom sanitation", "trash removal", "chemical handling"}, {"OSHA-10", "Bloodborne Pathogens"}, 15.0, "office buildings"},
      {"Security Officer", {"patrols", "access control", "CCTV monitoring", "incident reports", "customer service"}, {"State Guard Card", "First Aid/CPR"}, 17.0, "corporate campus"},
      {"Customer Service Representative", {"call handling", "CRM software", "order entry", "de-escalation", "typing 50 wpm"}, {"HDI Customer Service"}, 17.5, "call center"},
      {"Administrative Assistant", {"scheduling", "Microsoft Office", "data entry", "filing", "phone etiquette"}, {"MOS Excel"}, 18.5, "office"},
      {"Line Cook", {"grill", "prep cooking", "food safety", "knife skills", "line expediting"}, {"ServSafe", "Food Handler Card"}, 16.5, "restaurant"},
      {"Retail Associate", {"cash handling", "merchandising", "POS systems", "customer service", "stocking"}, {"Food Handler Card"}, 15.0, "retail store"},
  };
  return roles;
}

struct City {
  const char* name;
  const char* state;
  int zip;
};

constexpr std::array<City, 32> kCities = {{
    {"Chicago", "IL", 60601}, {"Joliet", "IL", 60431}, {"Mattoon", "IL", 61938}, {"Peoria", "IL", 61602},
    {"Rockford", "IL", 61101}, {"Springfield", "IL", 62701}, {"Aurora", "IL", 60505}, {"Elgin", "IL", 60120},
    {"St. Louis", "MO", 63101}, {"Kansas City", "MO", 64105}, {"Indianapolis", "IN", 46204}, {"Fort Wayne", "IN", 46802},
    {"Gary", "IN", 46402}, {"Milwaukee", "WI", 53202}, {"Madison", "WI", 53703}, {"Detroit", "MI", 48226},
    {"Grand Rapids", "MI", 49503}, {"Columbus", "OH", 43215}, {"Cleveland", "OH", 44113}, {"Cincinnati", "OH", 45202},
    {"Toledo", "OH", 43604}, {"Louisville", "KY", 40202}, {"Nashville", "TN", 37203}, {"Memphis", "TN", 38103},
    {"Des Moines", "IA", 50309}, {"Cedar Rapids", "IA", 52401}, {"Minneapolis", "MN", 55401}, {"Omaha", "NE", 68102},
    {"Dallas", "TX", 75201}, {"Houston", "TX", 77002}, {"Atlanta", "GA", 30303}, {"Phoenix", "AZ", 85003},
}};

constexpr std::array<const char*, 40> kFirstNames = {
    "James", "Maria", "Robert", "Linda", "Michael", "Patricia", "David", "Jennifer", "Jose", "Elizabeth",
    "Luis", "Ana", "Daniel", "Guadalupe", "Marcus", "Keisha", "Anthony", "Jasmine", "Kevin", "Rosa",
    "Brian", "Nicole", "DeShawn", "Tamika", "Carlos", "Sofia", "Tyrone", "Emily", "Juan", "Ashley",
    "Nguyen", "Mei", "Dmitri", "Olga", "Tomasz", "Agnieszka", "Ahmed", "Fatima", "Patrick", "Bridget"};
constexpr std::array<const char*, 40> kLastNames = {
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
    "Walker", "Young", "Kowalski", "Nowak", "Tran", "Nguyen", "O'Brien", "Murphy", "Washington", "Ali"};
constexpr std::array<const char*, 7> kAvailability = {
    "day shift", "night shift", "second shift", "weekends", "rotating shifts", "day shift, weekends", "night shift, weekends"};
constexpr std::array<const char*, 8> kLanguages = {
    "English", "English", "English", "English, Spanish", "English, Spanish", "English, Polish", "English, Vietnamese",
    "English, Arabic"};
constexpr std::array<const char*, 6> kEmployers = {
    "a regional distribution center", "a Fortune 500 manufacturer", "a third-party logistics provider",
    "a family-owned shop", "an automotive supplier", "a national retailer"};

void AppendQuoted(std::string& out, std::string_view text) {
  out.push_back('"');
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

// Picks k distinct entries (k <= items.size()).
std::vector<const char*> PickDistinct(Rng& rng, const std::vector<const char*>& items, size_t k) {
  std::vector<const char*> pool = items;
  std::vector<const char*> out;
  for (size_t i = 0; i < k && !pool.empty(); ++i) {
    size_t j = rng.Below(pool.size());
    out.push_back(pool[j]);
    pool.erase(pool.begin() + static_cast<long>(j));
  }
  return out;
}

std::string Join(const std::vector<const char*>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

void AppendRow(std::string& out, Rng& rng, uint64_t id) {
  const Role& role = rng.Pick(Roles());
  const City& city = rng.Pick(kCities);
  const char* first = rng.Pick(kFirstNames);
  const char* last = rng.Pick(kLastNames);
  auto skills = PickDistinct(rng, role.skills, 2 + rng.Below(3));
  auto certs = PickDistinct(rng, role.certifications, rng.Below(role.certifications.size() + 1));
  int years = static_cast<int>(rng.Below(25));
  double rate = role.base_rate + years * 0.35 + rng.Unit() * 4.0;
  double reliability = 0.45 + 0.55 * std::sqrt(rng.Unit());
  const char* availability = rng.Pick(kAvailability);
  const char* languages = rng.Pick(kLanguages);
  int day_offset = static_cast<int>(rng.Below(720));
  char buf[256];

  snprintf(buf, sizeof buf, "W%07llu,", static_cast<unsigned long long>(id));
  out += buf;
  out += first;
  out += ',';
  AppendQuoted(out, last);  // some names carry an apostrophe
  out += ',';
  out += role.title;
  out += ',';
  out += city.name;
  out += ',';
  out += city.state;
  out += ',';
  snprintf(buf, sizeof buf, "%05d,(%03d) 555-%04d,", city.zip + static_cast<int>(rng.Below(40)),
           200 + static_cast<int>(rng.Below(790)), static_cast<int>(rng.Below(10000)));
  out += buf;
  std::string email = std::string(first) + "." + last + std::to_string(id % 997) + "@example.com";
  for (auto& c : email) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (c == '\'') c = '_';
  }
  out += email;
  out += ',';
  AppendQuoted(out, Join(skills, ", "));
  out += ',';
  AppendQuoted(out, Join(certs, "; "));
  // last_active: a date in 2024-2025 from the day offset.
  static constexpr int kMonthDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int year = 2024 + day_offset / 365, doy = day_offset % 365, month = 0;
  while (doy >= kMonthDays[month]) doy -= kMonthDays[month++];
  snprintf(buf, sizeof buf, ",%d,%.2f,%.3f,", years, rate, reliability);
  out += buf;
  AppendQuoted(out, availability);
  out += ',';
  AppendQuoted(out, languages);
  snprintf(buf, sizeof buf, ",%04d-%02d-%02d,", year, month + 1, doy + 1);
  out += buf;

  std::string resume = std::string(role.title) + " with " + std::to_string(years) + " years of experience at " +
                       rng.Pick(kEmployers) + " in " + city.name + ", " + city.state + ".\n";
  resume += "Skilled in " + Join(skills, ", ") + ". ";
  if (!certs.empty()) resume += "Holds " + Join(certs, " and ") + ". ";
  resume += "Prefers " + std::string(availability) + " work in a " + role.setting + " setting.\n";
  const Role& previous = rng.Pick(Roles());
  resume += "Previously worked as a " + std::string(previous.title) + " (" + std::to_string(1 + rng.Below(6)) +
            " years), handling " + rng.Pick(previous.skills) + " and " + rng.Pick(previous.skills) +
            "; left for more hours closer to home. Available to start within " + std::to_string(1 + rng.Below(3)) +
            " weeks, has own transportation, open to overtime.\n";
  resume += "Supervisor notes: \"" +
            std::string(reliability > 0.85 ? "dependable, shows up early" : reliability > 0.7 ? "solid attendance" : "attendance needs follow-up") +
            "\"; speaks " + languages + ".";
  AppendQuoted(out, resume);
  out += '\n';
}

std::string Header() {
  std::string out;
  for (size_t i = 0; i < std::size(kWorkerColumns); ++i) {
    if (i) out += ',';
    out += kWorkerColumns[i];
  }
  return out + "\n";
}

}  // namespace

std::string WorkersCsv(const WorkersSpec& spec) {
  Rng rng(spec.seed);
  std::string out = Header();
  for (uint64_t i = 0; i < spec.rows; ++i) AppendRow(out, rng, spec.first_id + i);
  return out;
}

Status WriteWorkersCsv(const WorkersSpec& spec, const std::filesystem::path& out,
                       const std::function<void(uint64_t)>& progress) {
  UniqueFd fd(::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) return Status::FromErrno("create", out.string(), errno);
  Rng rng(spec.seed);
  std::string buffer = Header();
  for (uint64_t i = 0; i < spec.rows; ++i) {
    AppendRow(buffer, rng, spec.first_id + i);
    if (buffer.size() > (4u << 20)) {
      LH_RETURN_IF_ERROR(WriteAll(fd.get(), buffer, out));
      buffer.clear();
    }
    if (progress && (i + 1) % 10000 == 0) progress(i + 1);
  }
  LH_RETURN_IF_ERROR(WriteAll(fd.get(), buffer, out));
  if (progress) progress(spec.rows);
  return Status::Ok();
}

}  // namespace lakehouse
